//! Decoder tests: case tables, prefixes, chunked feeding, hostile inputs.

use bytes::{Bytes, BytesMut};

use super::*;

fn decode_all(input: &[u8]) -> Result<Option<(Value, usize)>, DecodeError> {
    let mut buf = BytesMut::from(input);
    let mut sink = ValueSink::new();
    let out = Decoder::new().decode(&mut buf, &mut sink)?;
    Ok(out.map(|v| (v, input.len() - buf.len())))
}

fn bulk(s: &str) -> Value {
    Value::bulk(Bytes::copy_from_slice(s.as_bytes()))
}

fn simple(s: &str) -> Value {
    Value::Simple(Blob::from(s))
}

macro_rules! cases {
    ($($name:ident: $input:expr => $expected:expr;)*) => {
        /// Every valid case, for the prefix and chunking tests.
        const VALID: &[&[u8]] = &[$($input),*];

        /// Every valid case with its name and the value it decodes to.
        fn corpus() -> Vec<(&'static str, &'static [u8], Value)> {
            vec![$((stringify!($name), $input, $expected)),*]
        }
        $(
            #[test]
            fn $name() {
                let (value, used) = decode_all($input).unwrap().expect("complete");
                assert_eq!(value, $expected);
                assert_eq!(used, $input.len());
                assert_eq!(frame_len($input, &Limits::default()).unwrap(), Some($input.len()));
            }
        )*
    };
}

cases! {
    simple_string: b"+OK\r\n" => simple("OK");
    empty_simple_string: b"+\r\n" => simple("");
    error_line: b"-ERR unknown command\r\n" => Value::Error(ServerError::new("ERR unknown command"));
    integer_negative: b":-42\r\n" => Value::Int(-42);
    integer_min: b":-9223372036854775808\r\n" => Value::Int(i64::MIN);
    bulk_string: b"$5\r\nhello\r\n" => bulk("hello");
    bulk_binary_with_crlf_inside: b"$4\r\n\r\n\x00\xff\r\n" => Value::bulk(&b"\r\n\x00\xff"[..]);
    empty_bulk: b"$0\r\n\r\n" => bulk("");
    resp2_null_bulk: b"$-1\r\n" => Value::Nil;
    resp2_null_array: b"*-1\r\n" => Value::Nil;
    resp3_null: b"_\r\n" => Value::Nil;
    empty_array: b"*0\r\n" => Value::Array(vec![]);
    nested_array: b"*2\r\n*1\r\n:1\r\n*0\r\n" => Value::Array(vec![Value::Array(vec![Value::Int(1)]), Value::Array(vec![])]);
    map_of_two: b"%2\r\n+a\r\n:1\r\n+b\r\n#t\r\n" => Value::Map(vec![(simple("a"), Value::Int(1)), (simple("b"), Value::Boolean(true))]);
    empty_map: b"%0\r\n" => Value::Map(vec![]);
    set_of_two: b"~2\r\n:1\r\n:2\r\n" => Value::Set(vec![Value::Int(1), Value::Int(2)]);
    push_message: b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n" => Value::Push(vec![bulk("message"), bulk("ch"), bulk("hi")]);
    double_plain: b",3.25\r\n" => Value::Double(3.25);
    double_exponent: b",2.0000000000000001e+300\r\n" => Value::Double(2e300);
    double_inf: b",inf\r\n" => Value::Double(f64::INFINITY);
    double_neg_inf: b",-inf\r\n" => Value::Double(f64::NEG_INFINITY);
    boolean_false: b"#f\r\n" => Value::Boolean(false);
    big_number: b"(3492890328409238509324850943850943825024385\r\n" => Value::BigNumber(Bytes::from_static(b"3492890328409238509324850943850943825024385"));
    big_number_negative: b"(-1\r\n" => Value::BigNumber(Bytes::from_static(b"-1"));
    verbatim: b"=15\r\ntxt:Some string\r\n" => Value::Verbatim { format: *b"txt", text: Bytes::from_static(b"Some string") };
    blob_error: b"!21\r\nSYNTAX invalid syntax\r\n" => Value::Error(ServerError::new("SYNTAX invalid syntax"));
    attribute_before_value: b"|1\r\n+ttl\r\n:3\r\n:42\r\n" => Value::Attribute { attributes: vec![(simple("ttl"), Value::Int(3))], value: Box::new(Value::Int(42)) };
    attribute_before_array_describes_the_array: b"*2\r\n|1\r\n+a\r\n+b\r\n*1\r\n:1\r\n:2\r\n" => Value::Array(vec![
        Value::Attribute { attributes: vec![(simple("a"), simple("b"))], value: Box::new(Value::Array(vec![Value::Int(1)])) },
        Value::Int(2),
    ]);
    empty_attribute: b"|0\r\n:7\r\n" => Value::Attribute { attributes: vec![], value: Box::new(Value::Int(7)) };
    errors_nested_in_arrays: b"*2\r\n-MY err\r\n:1\r\n" => Value::Array(vec![Value::Error(ServerError::new("MY err")), Value::Int(1)]);
    boolean_true: b"#t\r\n" => Value::Boolean(true);
    integer_zero: b":0\r\n" => Value::Int(0);
    integer_max: b":9223372036854775807\r\n" => Value::Int(i64::MAX);
    double_negative_fraction: b",-0.5\r\n" => Value::Double(-0.5);
    empty_set: b"~0\r\n" => Value::Set(vec![]);
    empty_push: b">0\r\n" => Value::Push(vec![]);
    empty_verbatim: b"=4\r\ntxt:\r\n" => Value::Verbatim { format: *b"txt", text: Bytes::new() };
    verbatim_markdown_with_crlf_inside: b"=10\r\nmkd:a\r\n# b\r\n" => Value::Verbatim { format: *b"mkd", text: Bytes::from_static(b"a\r\n# b") };
    empty_blob_error: b"!0\r\n\r\n" => Value::Error(ServerError::new(""));
    nulls_of_every_form_in_an_array: b"*3\r\n$-1\r\n*-1\r\n_\r\n" => Value::Array(vec![Value::Nil, Value::Nil, Value::Nil]);
    nested_maps_and_sets: b"%2\r\n+s\r\n~2\r\n:1\r\n_\r\n+m\r\n%1\r\n$1\r\nk\r\n*2\r\n,1.5\r\n#f\r\n" => Value::Map(vec![
        (simple("s"), Value::Set(vec![Value::Int(1), Value::Nil])),
        (simple("m"), Value::Map(vec![(bulk("k"), Value::Array(vec![Value::Double(1.5), Value::Boolean(false)]))])),
    ]);
    set_of_a_map_and_empty_aggregates: b"~3\r\n%1\r\n:1\r\n%0\r\n~0\r\n*0\r\n" => Value::Set(vec![
        Value::Map(vec![(Value::Int(1), Value::Map(vec![]))]),
        Value::Set(vec![]),
        Value::Array(vec![]),
    ]);
    map_with_aggregate_keys: b"*1\r\n%1\r\n~1\r\n:1\r\n*1\r\n*0\r\n" => Value::Array(vec![Value::Map(vec![(
        Value::Set(vec![Value::Int(1)]),
        Value::Array(vec![Value::Array(vec![])]),
    )])]);
    push_with_nested_aggregates: b">4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nc1\r\n*2\r\n(123\r\n=7\r\ntxt:hey\r\n" => Value::Push(vec![
        bulk("pmessage"),
        bulk("c*"),
        bulk("c1"),
        Value::Array(vec![Value::BigNumber(Bytes::from_static(b"123")), Value::Verbatim { format: *b"txt", text: Bytes::from_static(b"hey") }]),
    ]);
    attribute_inside_a_map_value: b"%1\r\n+k\r\n|1\r\n+ttl\r\n:5\r\n$1\r\nv\r\n" => Value::Map(vec![(
        simple("k"),
        Value::Attribute { attributes: vec![(simple("ttl"), Value::Int(5))], value: Box::new(bulk("v")) },
    )]);
    attribute_before_a_push: b"|1\r\n+a\r\n_\r\n>1\r\n+x\r\n" => Value::Attribute {
        attributes: vec![(simple("a"), Value::Nil)],
        value: Box::new(Value::Push(vec![simple("x")])),
    };
    attribute_with_aggregate_values_before_a_map: b"|1\r\n+key-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n%1\r\n+a\r\n!3\r\nERR\r\n" => Value::Attribute {
        attributes: vec![(simple("key-popularity"), Value::Array(vec![bulk("key:123"), Value::Int(90)]))],
        value: Box::new(Value::Map(vec![(simple("a"), Value::Error(ServerError::new("ERR")))])),
    };
}

#[test]
fn the_nan_double_decodes_as_nan() {
    let (value, _) = decode_all(b",nan\r\n").unwrap().unwrap();
    assert!(matches!(value, Value::Double(d) if d.is_nan()));
}

#[test]
fn blob_errors_remember_their_form() {
    let (value, _) = decode_all(b"!3\r\nERR\r\n").unwrap().unwrap();
    let Value::Error(err) = value else { panic!() };
    assert!(err.is_blob());
    assert_eq!(err.code(), "ERR");
}

/// The issue's rule: every strict prefix of a valid frame is incomplete (`Ok(None)`, never an
/// error and never a value) for a fresh decoder, a fresh scanner, and one decoder and one scanner
/// fed a byte at a time; the whole frame decodes to its expected value and scans to its length.
/// The corpus holds every RESP2 and RESP3 type (checked by
/// `the_prefix_corpus_covers_every_resp2_and_resp3_type`).
#[test]
fn every_strict_prefix_of_a_valid_frame_is_incomplete() {
    let mut frames: Vec<(&str, &[u8], Option<Value>)> = corpus()
        .into_iter()
        .map(|(name, frame, value)| (name, frame, Some(value)))
        .collect();
    // NaN is not equal to itself: these are checked with `is_nan`.
    frames.push(("double_nan", b",nan\r\n", None));
    frames.push(("double_negative_nan_in_an_array", b"*1\r\n,-nan\r\n", None));
    for (name, frame, expected) in &frames {
        for cut in 0..frame.len() {
            let prefix = &frame[..cut];
            let shown = String::from_utf8_lossy(prefix);
            assert_eq!(decode_all(prefix), Ok(None), "{name}: prefix {shown:?}");
            assert_eq!(
                frame_len(prefix, &Limits::default()),
                Ok(None),
                "{name}: scanner, prefix {shown:?}"
            );
        }
        // One decoder and one scanner, resumed after every byte.
        let mut decoder = Decoder::new();
        let mut sink = ValueSink::new();
        let mut scanner = FrameScanner::default();
        let mut buf = BytesMut::new();
        let mut last = None;
        for end in 1..=frame.len() {
            buf.extend_from_slice(&frame[end - 1..end]);
            let decoded = decoder.decode(&mut buf, &mut sink).unwrap();
            let scanned = scanner.scan(&frame[..end]).unwrap();
            if end < frame.len() {
                assert_eq!(decoded, None, "{name}: resumed decoder at {end}");
                assert_eq!(scanned, None, "{name}: resumed scanner at {end}");
            } else {
                assert_eq!(scanned, Some(frame.len()), "{name}: resumed scanner");
                last = decoded;
            }
        }
        assert!(buf.is_empty(), "{name}: bytes left over");
        let (whole, used) = decode_all(frame).unwrap().expect("complete");
        assert_eq!(used, frame.len(), "{name}");
        assert_eq!(frame_len(frame, &Limits::default()), Ok(Some(frame.len())));
        for value in [Some(whole), last] {
            let value = value.expect("the resumed decoder completed");
            match expected {
                Some(expected) => assert_eq!(&value, expected, "{name}"),
                None => {
                    let inner = match &value {
                        Value::Array(items) => &items[0],
                        other => other,
                    };
                    assert!(
                        matches!(inner, Value::Double(d) if d.is_nan()),
                        "{name}: {value:?}"
                    );
                }
            }
        }
    }
}

/// A sink that names every event it gets, to check which types a corpus holds.
#[derive(Default)]
struct Events(Vec<String>);

impl Sink for Events {
    type Output = ();
    fn simple(&mut self, _: Chunk<'_>) {
        self.0.push("simple".into());
    }
    fn error(&mut self, _: Chunk<'_>, blob: bool) {
        self.0
            .push(if blob { "blob error" } else { "simple error" }.into());
    }
    fn bulk(&mut self, _: Chunk<'_>) {
        self.0.push("bulk".into());
    }
    fn verbatim(&mut self, _: [u8; 3], _: Chunk<'_>) {
        self.0.push("verbatim".into());
    }
    fn integer(&mut self, _: i64) {
        self.0.push("integer".into());
    }
    fn double(&mut self, _: f64, _: &[u8]) {
        self.0.push("double".into());
    }
    fn boolean(&mut self, b: bool) {
        self.0.push(format!("boolean {b}"));
    }
    fn big_number(&mut self, _: Chunk<'_>) {
        self.0.push("big number".into());
    }
    fn null(&mut self) {
        self.0.push("null".into());
    }
    fn begin(&mut self, header: Header) {
        let empty = if header.is_empty() { "empty " } else { "" };
        self.0.push(format!("begin {empty}{:?}", header.kind()));
    }
    fn end(&mut self) {
        self.0.push("end".into());
    }
    fn finish(&mut self) {}
}

#[test]
fn the_prefix_corpus_covers_every_resp2_and_resp3_type() {
    let mut seen = std::collections::BTreeSet::new();
    for (_, frame, _) in corpus() {
        let mut events = Events::default();
        Decoder::new()
            .decode(&mut BytesMut::from(frame), &mut events)
            .unwrap()
            .unwrap();
        seen.extend(events.0);
    }
    let mut missing = Vec::new();
    let scalars = [
        "simple",
        "simple error",
        "blob error",
        "bulk",
        "verbatim",
        "integer",
        "double",
        "boolean true",
        "boolean false",
        "big number",
        "null",
    ];
    for event in scalars {
        if !seen.contains(event) {
            missing.push(event.to_owned());
        }
    }
    for kind in ["Array", "Map", "Set", "Attribute", "Push"] {
        for event in [format!("begin {kind}"), format!("begin empty {kind}")] {
            if !seen.contains(&event) {
                missing.push(event);
            }
        }
    }
    // The three spellings of null, and doubles beyond plain decimals.
    let all: Vec<u8> = VALID.concat();
    for form in [
        &b"$-1\r\n"[..],
        b"*-1\r\n",
        b"_\r\n",
        b",inf\r\n",
        b",-inf\r\n",
        b"e+300",
    ] {
        if !all.windows(form.len()).any(|w| w == form) {
            missing.push(String::from_utf8_lossy(form).into_owned());
        }
    }
    assert!(missing.is_empty(), "the corpus lacks {missing:?}");
}

/// Decodes `input` fed in the given pieces, one decoder and one buffer throughout.
fn decode_pieces(pieces: &[&[u8]]) -> Vec<Value> {
    let mut decoder = Decoder::new();
    let mut sink = ValueSink::new();
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        while let Some(v) = decoder.decode(&mut buf, &mut sink).unwrap() {
            out.push(v);
        }
    }
    assert!(buf.is_empty());
    out
}

#[test]
fn chunked_feeding_at_every_split_equals_whole_buffer_decoding() {
    let stream: Vec<u8> = VALID.iter().flat_map(|f| f.iter().copied()).collect();
    let whole = decode_pieces(&[&stream]);
    assert_eq!(whole.len(), VALID.len());
    for cut in 0..=stream.len() {
        let (a, b) = stream.split_at(cut);
        assert_eq!(
            format!("{:?}", decode_pieces(&[a, b])),
            format!("{whole:?}"),
            "split at {cut}"
        );
    }
    let bytes: Vec<&[u8]> = stream.chunks(1).collect();
    assert_eq!(format!("{:?}", decode_pieces(&bytes)), format!("{whole:?}"));
}

#[test]
fn the_scanner_resumes_and_agrees_with_the_decoder() {
    for frame in VALID {
        let mut scanner = FrameScanner::default();
        for cut in 1..frame.len() {
            assert_eq!(scanner.scan(&frame[..cut]).unwrap(), None);
        }
        assert_eq!(scanner.scan(frame).unwrap(), Some(frame.len()));
    }
}

#[test]
fn only_one_reply_is_consumed_and_the_rest_stays_in_the_buffer() {
    let mut buf = BytesMut::from(&b"+A\r\n+B\r\n$2\r\nx"[..]);
    let mut decoder = Decoder::new();
    let mut sink = ValueSink::new();
    assert_eq!(
        decoder.decode(&mut buf, &mut sink).unwrap(),
        Some(simple("A"))
    );
    assert_eq!(&buf[..], b"+B\r\n$2\r\nx");
    assert_eq!(
        decoder.decode(&mut buf, &mut sink).unwrap(),
        Some(simple("B"))
    );
    assert_eq!(decoder.decode(&mut buf, &mut sink).unwrap(), None);
    assert_eq!(decoder.bytes_needed(), Some(8));
    assert!(
        decoder.is_idle(),
        "no byte of the partial bulk was consumed"
    );
    buf.extend_from_slice(b"*2\r\n:1\r\n");
    buf.clear();
    buf.extend_from_slice(b"*2\r\n:1\r\n");
    assert_eq!(decoder.decode(&mut buf, &mut sink).unwrap(), None);
    assert!(!decoder.is_idle(), "inside an array");
}

#[test]
fn long_bulk_bodies_share_the_read_buffer_and_short_ones_are_copied_inline() {
    let long = "a bulk string longer than the inline capacity";
    let wire = format!(
        "*3\r\n$5\r\nhello\r\n${}\r\n{long}\r\n$23\r\n{}\r\n",
        long.len(),
        "x".repeat(23)
    );
    let mut buf = BytesMut::from(wire.as_bytes());
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let value = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap();
    let Value::Array(items) = value else { panic!() };
    let bodies: Vec<&Blob> = items
        .iter()
        .map(|item| match item {
            Value::Bulk(b) => b,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(bodies[0].is_inline() && bodies[2].is_inline());
    assert!(
        !range.contains(&(bodies[0].as_ptr() as usize)),
        "short body not copied"
    );
    assert!(!bodies[1].is_inline());
    assert!(
        range.contains(&(bodies[1].as_ptr() as usize)),
        "long body was copied"
    );
    assert_eq!(
        items,
        vec![bulk("hello"), bulk(long), bulk(&"x".repeat(23))]
    );
}

#[test]
fn a_reply_of_short_strings_leaves_the_read_buffer_free_for_the_next_read() {
    let mut wire = b"*100\r\n".to_vec();
    for i in 0..100 {
        wire.extend_from_slice(format!("$9\r\nelement{i:02}\r\n").as_bytes());
    }
    let mut buf = BytesMut::with_capacity(4096);
    buf.extend_from_slice(&wire);
    let base = buf.as_ptr();
    let value = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap();
    let Value::Array(items) = &value else {
        panic!("{value:?}")
    };
    assert_eq!(items.len(), 100);
    assert_eq!(items[7], bulk("element07"));
    // Nothing holds a reference into the buffer, so reserving reclaims it in place: the next
    // read lands in memory already touched instead of a fresh allocation.
    assert!(buf.is_empty());
    buf.reserve(4096);
    assert_eq!(buf.as_ptr(), base, "the read buffer was not reused");
}

/// A sink that records headers, to check what callers are told to reserve.
#[derive(Default)]
struct Headers(Vec<Header>);

impl Sink for Headers {
    type Output = ();
    fn simple(&mut self, _: Chunk<'_>) {}
    fn error(&mut self, _: Chunk<'_>, _: bool) {}
    fn bulk(&mut self, _: Chunk<'_>) {}
    fn verbatim(&mut self, _: [u8; 3], _: Chunk<'_>) {}
    fn integer(&mut self, _: i64) {}
    fn double(&mut self, _: f64, _: &[u8]) {}
    fn boolean(&mut self, _: bool) {}
    fn big_number(&mut self, _: Chunk<'_>) {}
    fn null(&mut self) {}
    fn begin(&mut self, header: Header) {
        self.0.push(header);
    }
    fn end(&mut self) {}
    fn finish(&mut self) {}
}

#[test]
fn a_huge_announced_count_reserves_only_what_the_bytes_can_hold() {
    let mut buf = BytesMut::from(&b"*16000000\r\n:1\r\n:2\r\n"[..]);
    let mut sink = Headers::default();
    assert_eq!(Decoder::new().decode(&mut buf, &mut sink), Ok(None));
    assert_eq!(sink.0[0].len(), 16_000_000);
    assert_eq!(
        sink.0[0].capacity(),
        2,
        "8 bytes left can hold at most 2 values"
    );
}

macro_rules! refused {
    ($($name:ident: $input:expr => $pattern:pat,)*) => {$(
        #[test]
        fn $name() {
            let input: &[u8] = $input;
            let err = decode_all(input).unwrap_err();
            assert!(matches!(err, $pattern), "{err:?}");
            let err = frame_len(input, &Limits::default()).unwrap_err();
            assert!(matches!(err, $pattern), "scanner: {err:?}");
        }
    )*};
}

refused! {
    count_of_four_trillion: b"*4000000000000\r\n" => DecodeError::LimitExceeded { .. },
    map_of_ten_billion_pairs: b"%9999999999\r\n" => DecodeError::LimitExceeded { .. },
    one_over_the_element_limit: b"*16777217\r\n" => DecodeError::LimitExceeded { .. },
    map_pairs_count_double: b"%8388609\r\n" => DecodeError::LimitExceeded { .. },
    negative_bulk_length: b"$-2\r\n" => DecodeError::Protocol { .. },
    bulk_length_over_the_limit: b"$9223372036854775807\r\n" => DecodeError::LimitExceeded { .. },
    bulk_length_overflowing_u64: b"$99999999999999999999\r\n" => DecodeError::Protocol { .. },
    integer_overflow: b":99999999999999999999\r\n" => DecodeError::Protocol { .. },
    boolean_other_than_t_or_f: b"#x\r\n" => DecodeError::Protocol { .. },
    double_not_a_number: b",abc\r\n" => DecodeError::Protocol { .. },
    verbatim_too_short_for_its_format: b"=3\r\ntxt\r\n" => DecodeError::Protocol { .. },
    verbatim_without_colon: b"=5\r\ntxtxy\r\n" => DecodeError::Protocol { .. },
    bulk_without_trailing_crlf: b"$3\r\nabcXY" => DecodeError::Protocol { .. },
    null_with_text: b"_x\r\n" => DecodeError::Protocol { .. },
    cr_without_lf: b"+OK\rX\r\n" => DecodeError::Protocol { .. },
    lf_inside_simple_string: b"+O\nK\r\n" => DecodeError::Protocol { .. },
    unknown_type_byte: b"?\r\n" => DecodeError::UnknownType { byte: b'?' },
    null_map: b"%-1\r\n" => DecodeError::Protocol { .. },
    big_number_with_letters: b"(12a\r\n" => DecodeError::Protocol { .. },
    empty_integer: b":\r\n" => DecodeError::Protocol { .. },
}

#[test]
fn big_numbers_over_the_digit_limit_are_refused() {
    let mut input = b"(".to_vec();
    input.extend(std::iter::repeat_n(b'7', 10_001));
    input.extend_from_slice(b"\r\n");
    assert!(matches!(
        decode_all(&input),
        Err(DecodeError::LimitExceeded { .. })
    ));
    // Even before the line ends.
    assert!(matches!(
        decode_all(&input[..10_003]),
        Err(DecodeError::LimitExceeded { .. })
    ));
}

/// D2: the original recursed once per nesting level in both its parser and its frame scanner,
/// so 200 000 nested `*1` (800 KB) overflowed the stack. Here the nesting stack is explicit and
/// bounded by `Limits::max_depth`: every aggregate type nested 200 000 deep is a depth error in
/// the decoder and the scanner, on a 256 KiB thread stack.
#[test]
fn d2_deep_nesting_is_refused_without_recursion_on_a_small_stack() {
    let units: [&[u8]; 5] = [
        b"*1\r\n",
        b"%1\r\n+k\r\n",
        b"~1\r\n",
        b">1\r\n",
        b"|1\r\n+k\r\n",
    ];
    for unit in units {
        let deep: Vec<u8> = unit.repeat(200_000);
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let a = decode_all(&deep).unwrap_err();
                let b = frame_len(&deep, &Limits::default()).unwrap_err();
                (a, b)
            })
            .unwrap();
        let (a, b) = handle.join().unwrap();
        assert_eq!(
            a,
            DecodeError::LimitExceeded {
                what: "nesting depth",
                value: 513,
                limit: 512
            },
            "{}",
            String::from_utf8_lossy(unit)
        );
        assert_eq!(b, a);
    }
}

#[test]
fn nesting_at_the_limit_is_accepted() {
    let mut input = b"*1\r\n".repeat(512);
    input.extend_from_slice(b":1\r\n");
    let (mut value, _) = decode_all(&input).unwrap().unwrap();
    let mut depth = 0;
    while let Value::Array(mut items) = value {
        depth += 1;
        value = items.pop().unwrap();
    }
    assert_eq!((depth, value), (512, Value::Int(1)));
}

#[test]
fn a_bulk_larger_than_the_buffer_limit_is_refused_from_its_header() {
    let limits = Limits::default().max_buffer(1024);
    let mut buf = BytesMut::from(&b"$2000\r\n"[..]);
    let err = Decoder::with_limits(limits)
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap_err();
    assert_eq!(
        err,
        DecodeError::LimitExceeded {
            what: "bulk string bytes",
            value: 2000,
            limit: 1024
        }
    );
}

#[test]
fn an_endless_simple_line_hits_the_buffer_limit() {
    let limits = Limits::default().max_buffer(1024);
    let mut decoder = Decoder::with_limits(limits);
    let mut buf = BytesMut::from(&b"+"[..]);
    let mut sink = ValueSink::new();
    let mut result = Ok(None);
    for _ in 0..100 {
        buf.extend_from_slice(&[b'a'; 100]);
        result = decoder.decode(&mut buf, &mut sink);
        if result.is_err() {
            break;
        }
    }
    assert!(
        matches!(result, Err(DecodeError::LimitExceeded { .. })),
        "{result:?}"
    );
}

#[test]
fn limits_are_configurable() {
    let limits = Limits::default()
        .max_elements(2)
        .max_depth(1)
        .max_bignum_len(3);
    let run = |input: &[u8]| {
        let mut buf = BytesMut::from(input);
        Decoder::with_limits(limits).decode(&mut buf, &mut ValueSink::new())
    };
    assert!(run(b"*2\r\n:1\r\n:2\r\n").unwrap().is_some());
    assert!(matches!(
        run(b"*3\r\n"),
        Err(DecodeError::LimitExceeded { .. })
    ));
    assert!(matches!(
        run(b"%2\r\n"),
        Err(DecodeError::LimitExceeded { .. })
    ));
    assert!(matches!(
        run(b"*1\r\n*1\r\n"),
        Err(DecodeError::LimitExceeded { .. })
    ));
    assert!(matches!(
        run(b"(1234\r\n"),
        Err(DecodeError::LimitExceeded { .. })
    ));
}

#[test]
fn encoding_a_decoded_value_round_trips() {
    for frame in VALID {
        let (value, _) = decode_all(frame).unwrap().unwrap();
        let mut out = Vec::new();
        encode_value(&value, &mut out);
        let (again, used) = decode_all(&out).unwrap().unwrap();
        assert_eq!(again, value, "{}", String::from_utf8_lossy(&out));
        assert_eq!(used, out.len());
    }
}

#[test]
fn doubles_encode_to_text_that_parses_back_exactly() {
    for d in [0.1, -0.0, 1e300, 2.5e-308, f64::MAX, f64::MIN_POSITIVE, 3.0] {
        let mut out = Vec::new();
        encode_value(&Value::Double(d), &mut out);
        let (back, _) = decode_all(&out).unwrap().unwrap();
        let Value::Double(e) = back else { panic!() };
        assert_eq!(
            e.to_bits(),
            d.to_bits(),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }
}

/// D1: the original reserved `Vec::with_capacity(count)` for whatever count a reply announced,
/// so `*4000000000000` aborted the process (a 224 TB allocation). For every aggregate type,
/// attribute and push included, in the decoder and the scanner: a count over the limit is a
/// typed error before anything is reserved, and a count at the limit is incomplete, with the
/// sink told to reserve only what the bytes received could hold.
#[test]
fn d1_hostile_counts_of_every_aggregate_type_are_refused_or_incomplete_without_reserving() {
    let limits = Limits::default();
    for (tag, kind) in [
        ('*', Aggregate::Array),
        ('%', Aggregate::Map),
        ('~', Aggregate::Set),
        ('|', Aggregate::Attribute),
        ('>', Aggregate::Push),
    ] {
        for count in [
            "4000000000000",
            "9223372036854775807",
            "9999999999999999999",
            "18446744073709551616",
        ] {
            let input = format!("{tag}{count}\r\n");
            let err = decode_all(input.as_bytes()).unwrap_err();
            assert!(
                matches!(
                    err,
                    DecodeError::LimitExceeded { .. } | DecodeError::Protocol { .. }
                ),
                "{input:?}: {err:?}"
            );
            assert_eq!(frame_len(input.as_bytes(), &limits), Err(err), "{input:?}");
        }
        let at_limit = limits.max_elements / kind.width();
        let input = format!("{tag}{at_limit}\r\n:1\r\n:2\r\n");
        let mut sink = Headers::default();
        let mut buf = BytesMut::from(input.as_bytes());
        assert_eq!(Decoder::new().decode(&mut buf, &mut sink), Ok(None));
        assert_eq!((sink.0[0].kind(), sink.0[0].len()), (kind, at_limit));
        assert_eq!(
            sink.0[0].capacity(),
            8 / (3 * kind.width()),
            "{tag}: 8 bytes left can hold at most that many entries"
        );
        // The real tree builder reserves through the same header, and does not abort.
        let mut buf = BytesMut::from(input.as_bytes());
        assert_eq!(
            Decoder::new().decode(&mut buf, &mut ValueSink::new()),
            Ok(None)
        );
        assert_eq!(frame_len(input.as_bytes(), &limits), Ok(None));
        let over = format!("{tag}{}\r\n", at_limit + 1);
        assert!(matches!(
            decode_all(over.as_bytes()),
            Err(DecodeError::LimitExceeded { .. })
        ));
        assert!(matches!(
            frame_len(over.as_bytes(), &limits),
            Err(DecodeError::LimitExceeded { .. })
        ));
    }
}

/// Reads a number field from a derived `Debug` rendering. White-box on purpose: the resume
/// positions of the decoder and the scanner are private, and the D5 test is about them.
fn debug_field(value: &impl std::fmt::Debug, field: &str) -> usize {
    let rendered = format!("{value:?}");
    let key = format!(" {field}: ");
    let at = rendered
        .find(&key)
        .unwrap_or_else(|| panic!("no `{field}` in {rendered}"))
        + key.len();
    rendered[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("`{field}` is not a number in {rendered}"))
}

/// An LRANGE-like reply: `n` bulk strings `"0"`, `"1"`, ...; and the length of its longest token.
fn lrange_reply(n: usize) -> (Vec<u8>, usize) {
    use std::io::Write;
    let mut out = Vec::with_capacity(n * 12 + 16);
    write!(out, "*{n}\r\n").unwrap();
    let mut longest = out.len();
    for i in 0..n {
        let start = out.len();
        let text = i.to_string();
        write!(out, "${}\r\n{text}\r\n", text.len()).unwrap();
        longest = longest.max(out.len() - start);
    }
    (out, longest)
}

/// A sink for [`lrange_reply`]: checks each element against its index without building a tree.
#[derive(Default)]
struct Lrange {
    next: usize,
    wrong: usize,
}

impl Sink for Lrange {
    type Output = (usize, usize);
    fn simple(&mut self, _: Chunk<'_>) {
        self.wrong += 1;
    }
    fn error(&mut self, _: Chunk<'_>, _: bool) {
        self.wrong += 1;
    }
    fn bulk(&mut self, data: Chunk<'_>) {
        if data.as_bytes() != itoa::Buffer::new().format(self.next).as_bytes() {
            self.wrong += 1;
        }
        self.next += 1;
    }
    fn verbatim(&mut self, _: [u8; 3], _: Chunk<'_>) {
        self.wrong += 1;
    }
    fn integer(&mut self, _: i64) {
        self.wrong += 1;
    }
    fn double(&mut self, _: f64, _: &[u8]) {
        self.wrong += 1;
    }
    fn boolean(&mut self, _: bool) {
        self.wrong += 1;
    }
    fn big_number(&mut self, _: Chunk<'_>) {
        self.wrong += 1;
    }
    fn null(&mut self) {
        self.wrong += 1;
    }
    fn begin(&mut self, _: Header) {}
    fn end(&mut self) {}
    fn finish(&mut self) -> (usize, usize) {
        (
            std::mem::take(&mut self.next),
            std::mem::take(&mut self.wrong),
        )
    }
}

/// D5: the original rescanned a partial reply from byte 0 after every read and copied the
/// unconsumed buffer back each time: quadratic in the reply (LRANGE of 1M elements took 2.3x
/// the raw-socket floor). Work is counted here, never timed:
/// - the decoder consumes every whole token, so after each read only the unfinished token is
///   left (fewer bytes than the longest token), and that is all it can look at again;
/// - consumed bytes leave by advancing the buffer: the bytes left do not move (no copy back);
/// - the bytes offered to the decoder over all reads add up to at most the reply plus one
///   token per read, for reads of 1 byte to 64 KiB of a 1M-element reply (11.9 MB);
/// - inside one long token (a 256 KiB line arriving a byte at a time) each read resumes where
///   the last stopped, so the bytes searched add up to twice the line, not its square.
///
/// The frame scanner is held to the same bounds.
#[test]
fn d5_a_reply_arriving_in_small_reads_is_decoded_in_linear_work() {
    let n = 1_000_000;
    let (reply, longest) = lrange_reply(n);
    for piece in [1, 7, 64, 4096, 64 * 1024] {
        let mut decoder = Decoder::new();
        let mut sink = Lrange::default();
        let mut buf = BytesMut::new();
        let (mut offered, mut reads, mut result) = (0usize, 0usize, None);
        for chunk in reply.chunks(piece) {
            buf.extend_from_slice(chunk);
            reads += 1;
            offered += buf.len();
            let (ptr, len) = (buf.as_ptr() as usize, buf.len());
            let out = decoder.decode(&mut buf, &mut sink).unwrap();
            assert_eq!(
                buf.as_ptr() as usize,
                ptr + (len - buf.len()),
                "piece {piece}: the bytes left were moved"
            );
            match out {
                Some(counts) => result = Some(counts),
                None => assert!(
                    buf.len() < longest,
                    "piece {piece}: {} bytes left, a whole token was not consumed",
                    buf.len()
                ),
            }
        }
        assert_eq!(result, Some((n, 0)), "piece {piece}");
        assert!(buf.is_empty());
        assert!(
            offered <= reply.len() + reads * longest,
            "piece {piece}: {offered} bytes offered for a {}-byte reply in {reads} reads",
            reply.len()
        );
    }
    // The scanner: after each read, only the unfinished token lies past its offset.
    for piece in [61, 4096, 64 * 1024] {
        let mut scanner = FrameScanner::default();
        let mut end = 0;
        let mut found = None;
        while end < reply.len() {
            end = (end + piece).min(reply.len());
            match scanner.scan(&reply[..end]).unwrap() {
                Some(len) => found = Some(len),
                None => {
                    let offset = debug_field(&scanner, "offset");
                    assert!(
                        end - offset < longest,
                        "piece {piece}: rescans from {offset}"
                    );
                }
            }
        }
        assert_eq!(found, Some(reply.len()));
    }

    // One long line, a byte at a time: every read resumes the search where the last stopped.
    let line = [&b"+"[..], &[b'a'; 256 * 1024], b"\r\n"].concat();
    let mut decoder = Decoder::new();
    let mut sink = ValueSink::new();
    let mut scanner = FrameScanner::default();
    let mut buf = BytesMut::new();
    let (mut searched, mut scanner_searched) = (0, 0);
    for end in 1..=line.len() {
        buf.extend_from_slice(&line[end - 1..end]);
        searched += buf.len() - debug_field(&decoder, "scan_from").min(buf.len());
        let resumed_at = debug_field(&scanner, "offset") + debug_field(&scanner, "scan_from");
        scanner_searched += end - resumed_at.min(end);
        let out = decoder.decode(&mut buf, &mut sink).unwrap();
        let scanned = scanner.scan(&line[..end]).unwrap();
        if end < line.len() {
            assert_eq!((&out, scanned), (&None, None));
        } else {
            assert_eq!(
                out.as_ref().and_then(Value::as_bytes),
                Some(&line[1..end - 2])
            );
            assert_eq!(scanned, Some(line.len()));
        }
    }
    assert!(
        searched <= 2 * line.len(),
        "decoder searched {searched} bytes"
    );
    assert!(
        scanner_searched <= 2 * line.len(),
        "scanner searched {scanner_searched} bytes"
    );
    // And the token parser honours the resume position: a line end before it is not seen.
    assert_eq!(
        token::parse(b"+ab\r\ncd", &Limits::default(), 5),
        Ok(token::Step::Incomplete {
            scanned: 6,
            needed: None
        })
    );
}

/// D6: the original's tree parser was slow (a `Bytes::slice` and a recursive call per nested
/// value: 326 ms for a 1M-element array). Speed is measured by the benches (`cargo bench -p
/// pyrsedis-core --bench decode`, and `pyrsedis_vs_redis_rs` in `benches/`), never asserted in a
/// test. What is checked is the design that makes it fast: the tree is built in one pass, one
/// sink event per token in wire order (plus one `end` per aggregate), the same events whether
/// the reply arrives at once or a byte at a time (nothing is re-parsed on resume), and every
/// bulk body longer than a [`Blob`]'s inline capacity is shared with the read buffer, not
/// copied.
#[test]
fn d6_the_tree_is_built_in_one_pass_with_one_event_per_token() {
    use std::io::Write;
    // A FalkorDB-like compact result: header, 1000 rows of [type, value] cells, statistics.
    let mut reply = b"*3\r\n*2\r\n*2\r\n:1\r\n$1\r\nn\r\n*2\r\n:1\r\n$1\r\nm\r\n*1000\r\n".to_vec();
    for i in 0..1000 {
        // Short names are copied inline, long ones shared with the read buffer.
        let text = if i % 2 == 0 {
            format!("name-{i}")
        } else {
            format!("a-rather-long-person-name-{i}")
        };
        write!(
            reply,
            "*2\r\n*2\r\n:3\r\n:{i}\r\n*2\r\n:2\r\n${}\r\n{text}\r\n",
            text.len()
        )
        .unwrap();
    }
    reply.extend_from_slice(b"*1\r\n$29\r\nQuery internal execution time\r\n");
    let limits = Limits::default();
    let (mut tokens, mut aggregates, mut at) = (0, 0, 0);
    while at < reply.len() {
        match token::parse(&reply[at..], &limits, 0).unwrap() {
            token::Step::Ready(token, consumed) => {
                tokens += 1;
                aggregates += usize::from(matches!(token, token::Token::Aggregate { .. }));
                at += consumed;
            }
            other => panic!("{other:?} at {at}"),
        }
    }
    let mut whole = Events::default();
    Decoder::new()
        .decode(&mut BytesMut::from(&reply[..]), &mut whole)
        .unwrap()
        .unwrap();
    assert_eq!(whole.0.len(), tokens + aggregates);
    assert_eq!(whole.0.iter().filter(|e| *e == "end").count(), aggregates);
    let mut bytewise = Events::default();
    let mut decoder = Decoder::new();
    let mut buf = BytesMut::new();
    let mut done = false;
    for byte in &reply {
        buf.extend_from_slice(std::slice::from_ref(byte));
        done = decoder.decode(&mut buf, &mut bytewise).unwrap().is_some();
    }
    assert!(done);
    assert_eq!(bytewise.0, whole.0, "events repeated or lost on resume");
    // Zero copy: every bulk body longer than a blob's inline capacity points into the read
    // buffer; shorter ones are inline.
    let mut buf = BytesMut::from(&reply[..]);
    let range = buf.as_ptr() as usize..buf.as_ptr() as usize + buf.len();
    let value = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap();
    let mut stack = vec![&value];
    let (mut bulks, mut shared_bulks) = (0, 0);
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items),
            Value::Bulk(b) => {
                bulks += 1;
                let shared = range.contains(&(b.as_ptr() as usize));
                assert_eq!(shared, b.len() > Blob::INLINE_CAPACITY, "{b:?}");
                assert_eq!(shared, !b.is_inline(), "{b:?}");
                shared_bulks += usize::from(shared);
            }
            _ => {}
        }
    }
    assert_eq!(bulks, 1003);
    assert_eq!(shared_bulks, 501);
}

/// How `input` fares under `limits`: `Ok(true)` complete, `Ok(false)` incomplete, or the kind of
/// error; and the same (or the test fails) for the decoder and the scanner, fed the whole input
/// at once or a byte at a time.
fn fate(limits: Limits, input: &[u8]) -> Result<bool, &'static str> {
    fn kind(err: DecodeError) -> &'static str {
        match err {
            DecodeError::LimitExceeded { .. } => "limit",
            DecodeError::Protocol { .. } => "protocol",
            _ => "other",
        }
    }
    let whole = Decoder::with_limits(limits)
        .decode(&mut BytesMut::from(input), &mut ValueSink::new())
        .map(|v| v.is_some())
        .map_err(kind);
    let mut decoder = Decoder::with_limits(limits);
    let mut sink = ValueSink::new();
    let mut buf = BytesMut::new();
    let mut bytewise = Ok(false);
    for byte in input {
        buf.extend_from_slice(std::slice::from_ref(byte));
        bytewise = decoder
            .decode(&mut buf, &mut sink)
            .map(|v| v.is_some())
            .map_err(kind);
        if bytewise != Ok(false) {
            break;
        }
    }
    let scanned = FrameScanner::with_limits(limits)
        .scan(input)
        .map(|n| n.is_some())
        .map_err(kind);
    let mut scanner = FrameScanner::with_limits(limits);
    let mut scanned_bytewise = Ok(false);
    for end in 1..=input.len() {
        scanned_bytewise = scanner
            .scan(&input[..end])
            .map(|n| n.is_some())
            .map_err(kind);
        if scanned_bytewise != Ok(false) {
            break;
        }
    }
    let shown = String::from_utf8_lossy(&input[..input.len().min(40)]);
    assert_eq!(bytewise, whole, "{shown:?}: decoder, a byte at a time");
    assert_eq!(scanned, whole, "{shown:?}: scanner");
    assert_eq!(
        scanned_bytewise, whole,
        "{shown:?}: scanner, a byte at a time"
    );
    whole
}

/// D12: the original's documents disagreed with its code on every limit. Here each limit holds
/// at exactly its value, in the decoder and the frame scanner, whether the bytes arrive at once or
/// a byte at a time: the value itself is accepted, one more is refused. (The client path, on a
/// real server: `tests/defects.rs`; the documented numbers: `d12_the_documented_limits_are_the_default_limits`.)
#[test]
fn d12_each_limit_holds_at_exactly_its_value_in_the_decoder_and_the_scanner() {
    let x = |n: usize| "x".repeat(n);
    let small = Limits::default()
        .max_elements(4)
        .max_depth(3)
        .max_bulk_len(16)
        .max_bignum_len(5);
    for (tag, width) in [('*', 1), ('%', 2), ('~', 1), ('|', 2), ('>', 1)] {
        let at = 4 / width;
        // An attribute is followed by the value it describes.
        let described = if tag == '|' { ":0\r\n" } else { "" };
        let ok = format!("{tag}{at}\r\n{}{described}", ":1\r\n".repeat(4));
        assert_eq!(fate(small, ok.as_bytes()), Ok(true), "{ok:?}");
        let over = format!("{tag}{}\r\n", at + 1);
        assert_eq!(fate(small, over.as_bytes()), Err("limit"), "{over:?}");
    }
    let nested = |depth: usize| format!("{}:1\r\n", "*1\r\n".repeat(depth));
    assert_eq!(fate(small, nested(3).as_bytes()), Ok(true));
    assert_eq!(fate(small, nested(4).as_bytes()), Err("limit"));
    for (tag, prefix) in [('$', ""), ('!', ""), ('=', "txt:")] {
        let body = |n: usize| format!("{tag}{n}\r\n{prefix}{}\r\n", x(n - prefix.len()));
        assert_eq!(fate(small, body(16).as_bytes()), Ok(true), "{tag}");
        assert_eq!(fate(small, body(17).as_bytes()), Err("limit"), "{tag}");
    }
    for tag in ['+', '-'] {
        assert_eq!(
            fate(small, format!("{tag}{}\r\n", x(16)).as_bytes()),
            Ok(true)
        );
        assert_eq!(
            fate(small, format!("{tag}{}\r\n", x(17)).as_bytes()),
            Err("limit")
        );
    }
    for sign in ["", "-"] {
        let digits = |n: usize| format!("({sign}{}\r\n", "7".repeat(n));
        assert_eq!(fate(small, digits(5).as_bytes()), Ok(true), "{sign}");
        assert_eq!(fate(small, digits(6).as_bytes()), Err("limit"), "{sign}");
    }

    // The buffer limit bounds whole tokens (a bulk string with its header and CRLF): 64 bytes
    // fit, 65 do not, however the bytes are split.
    let tight = Limits::default().max_buffer(64);
    for (tag, prefix) in [('$', ""), ('!', ""), ('=', "txt:")] {
        let body = |n: usize| format!("{tag}{n}\r\n{prefix}{}\r\n", x(n - prefix.len()));
        assert_eq!(body(57).len(), 64);
        assert_eq!(fate(tight, body(57).as_bytes()), Ok(true), "{tag}");
        assert_eq!(fate(tight, body(58).as_bytes()), Err("limit"), "{tag}");
        let in_array = format!("*2\r\n{}:1\r\n", body(57));
        assert_eq!(fate(tight, in_array.as_bytes()), Ok(true), "{tag}");
    }
    for tag in ['+', '-'] {
        assert_eq!(
            fate(tight, format!("{tag}{}\r\n", x(61)).as_bytes()),
            Ok(true)
        );
        assert_eq!(
            fate(tight, format!("{tag}{}\r\n", x(62)).as_bytes()),
            Err("limit")
        );
    }

    // The defaults, at their values.
    let d = Limits::default();
    assert_eq!(fate(d, b"*16777216\r\n"), Ok(false));
    assert_eq!(fate(d, b"*16777217\r\n"), Err("limit"));
    assert_eq!(fate(d, b"%8388608\r\n"), Ok(false));
    assert_eq!(fate(d, b"%8388609\r\n"), Err("limit"));
    assert_eq!(fate(d, nested(512).as_bytes()), Ok(true));
    assert_eq!(fate(d, nested(513).as_bytes()), Err("limit"));
    for sign in ["", "-"] {
        let digits = |n: usize| format!("({sign}{}\r\n", "7".repeat(n));
        assert_eq!(fate(d, digits(10_000).as_bytes()), Ok(true), "{sign}");
        assert_eq!(fate(d, digits(10_001).as_bytes()), Err("limit"), "{sign}");
    }
    // 64 MiB for a whole bulk token: `$67108851\r\n` + body + CRLF is exactly 64 MiB.
    assert_eq!(11 + 67_108_851 + 2, 64 << 20);
    assert_eq!(fate(d, b"$67108851\r\n"), Ok(false));
    assert_eq!(fate(d, b"$67108852\r\n"), Err("limit"));
    // 512 MiB for the body, when the buffer allows it.
    let roomy = d.max_buffer(usize::MAX);
    assert_eq!(fate(roomy, b"$536870912\r\n"), Ok(false));
    assert_eq!(fate(roomy, b"$536870913\r\n"), Err("limit"));
}

/// The number a document writes for a limit: `16 Mi`, `512`, `512 MiB, and ...`, `10 000`.
fn documented_number(text: &str) -> usize {
    let text = text.trim();
    let digits: String = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ' ')
        .filter(char::is_ascii_digit)
        .collect();
    let number: usize = digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text:?}"));
    let unit = text.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' ');
    let scale = if unit.starts_with("Gi") {
        1 << 30
    } else if unit.starts_with("Mi") {
        1 << 20
    } else if unit.starts_with("Ki") {
        1 << 10
    } else {
        1
    };
    number * scale
}

/// D12: the original's `SECURITY.md` promised 1M elements, 512 MB bulk strings, depth 32 and
/// 1024 digits while its code enforced 16M, no bulk limit, 512 and 10 000. Here every place that
/// states a default limit (the README's table, the crate docs' table, each `Limits` field's
/// doc) states the value `Limits::default()` has.
#[test]
fn d12_the_documented_limits_are_the_default_limits() {
    let defaults = Limits::default();
    let fields = [
        (
            "max_elements",
            defaults.max_elements,
            "elements per aggregate",
        ),
        ("max_depth", defaults.max_depth, "nesting depth"),
        ("max_bulk_len", defaults.max_bulk_len, "bulk string length"),
        (
            "max_bignum_len",
            defaults.max_bignum_len,
            "big number digits",
        ),
        (
            "max_buffer",
            defaults.max_buffer,
            "buffered bytes for one token",
        ),
    ];
    let readme = include_str!("../../README.md");
    let crate_docs = include_str!("../lib.rs");
    let limits_docs = include_str!("mod.rs");
    for (field, value, crate_docs_label) in fields {
        // README: the row naming `resp::Limits::field`, second cell.
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`resp::Limits::{field}`")))
            .unwrap_or_else(|| panic!("the README's limits table has no row for {field}"));
        let cell = row.split('|').nth(2).unwrap();
        assert_eq!(documented_number(cell), value, "README: {row}");
        // Crate docs: the row whose first cell starts with the label.
        let row = crate_docs
            .lines()
            .find(|l| l.starts_with(&format!("//! | {crate_docs_label}")))
            .unwrap_or_else(|| panic!("the crate docs' table has no row {crate_docs_label:?}"));
        let cell = row.split('|').nth(2).unwrap();
        assert_eq!(documented_number(cell), value, "crate docs: {row}");
        // The field's own doc comment: "Default is N".
        let lines: Vec<&str> = limits_docs.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.trim() == format!("pub {field}: usize,"))
            .unwrap_or_else(|| panic!("no field {field} in resp/mod.rs"));
        let doc: String = lines[..at]
            .iter()
            .rev()
            .take_while(|l| l.trim_start().starts_with("///"))
            .map(|l| l.trim_start().trim_start_matches("///"))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(" ");
        let stated = doc
            .split("Default is ")
            .nth(1)
            .unwrap_or_else(|| panic!("the doc of {field} states no default: {doc}"));
        assert_eq!(documented_number(stated), value, "Limits::{field}: {doc}");
    }
}

/// D13: the original read `#x` as false, and its frame scanner checked neither the CRLF after a
/// bulk body nor what follows `_` or `#`. Here every such frame is a protocol error, in the
/// decoder and the scanner, whole or a byte at a time, at the top level or nested.
#[test]
fn d13_lax_frames_are_refused_by_the_decoder_and_the_scanner() {
    let bad: &[&[u8]] = &[
        b"#x\r\n",
        b"#\r\n",
        b"#tt\r\n",
        b"#T\r\n",
        b"#1\r\n",
        b"_x\r\n",
        b"_ \r\n",
        b"_0\r\n",
        b"$3\r\nabcXY",
        b"$3\r\nabc\rX",
        b"$3\r\nabc\n\r",
        b"$0\r\nXY",
        b"!3\r\nERRXY",
        b"=7\r\ntxt:abcXY",
        b"*2\r\n$1\r\naXY:1\r\n",
        b"*1\r\n#x\r\n",
        b"%1\r\n_x\r\n:1\r\n",
        b">2\r\n+a\r\n#f \r\n",
    ];
    for input in bad {
        assert_eq!(
            fate(Limits::default(), input),
            Err("protocol"),
            "{:?}",
            String::from_utf8_lossy(input)
        );
    }
}
