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
    Value::Simple(Bytes::copy_from_slice(s.as_bytes()))
}

macro_rules! cases {
    ($($name:ident: $input:expr => $expected:expr;)*) => {
        /// Every valid case, for the prefix and chunking tests.
        const VALID: &[&[u8]] = &[$($input),*];
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

#[test]
fn every_strict_prefix_of_a_valid_frame_is_incomplete() {
    for frame in VALID {
        for cut in 0..frame.len() {
            let prefix = &frame[..cut];
            assert_eq!(
                decode_all(prefix),
                Ok(None),
                "prefix {:?}",
                String::from_utf8_lossy(prefix)
            );
            assert_eq!(frame_len(prefix, &Limits::default()), Ok(None));
        }
    }
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
fn bulk_bodies_share_the_read_buffer() {
    let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhello\r\n$5\r\nworld\r\n"[..]);
    let base = buf.as_ptr() as usize;
    let end = base + buf.len();
    let value = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap();
    let Value::Array(items) = value else { panic!() };
    for item in &items {
        let Value::Bulk(b) = item else { panic!() };
        let p = b.as_ptr() as usize;
        assert!(p >= base && p < end, "bulk body was copied");
    }
    assert_eq!(items[1], bulk("world"));
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

#[test]
fn deep_nesting_is_refused_without_recursion_on_a_small_stack() {
    let deep: Vec<u8> = b"*1\r\n".repeat(200_000);
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
        }
    );
    assert_eq!(b, a);
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
