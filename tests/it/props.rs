//! Property tests for the pure input path: telnet stripping, framing and
//! cleaning, over arbitrary bytes cut into arbitrary chunks.

use linechat::codec::Codec;
use linechat::framing::Frame;
use proptest::prelude::*;

/// Runs `stream` through the input path in the given chunk sizes and returns
/// the frames, checking the reader's memory bound after every chunk.
fn run(stream: &[u8], cuts: &[usize], max_line: usize) -> Vec<Result<String, Frame>> {
    let mut codec = Codec::telnet();
    let mut replies = Vec::new();
    let mut line = String::new();
    let mut frames = Vec::new();
    let mut rest = stream;
    let mut cuts = cuts.iter().cycle();
    while !rest.is_empty() {
        let take = (*cuts.next().unwrap()).clamp(1, rest.len());
        let mut chunk = rest[..take].to_vec();
        rest = &rest[take..];
        let decoded = codec.decode(&mut chunk, &mut replies);
        let mut input = &chunk[..decoded.data];
        while let Some(frame) = codec.next_line(&mut input, max_line, &mut line) {
            frames.push(match frame {
                Frame::Line => Ok(line.clone()),
                Frame::TooLong => Err(frame),
            });
        }
        assert!(
            codec.held() <= max_line + take,
            "holds {} bytes after a {take}-byte read (max line {max_line})",
            codec.held()
        );
    }
    frames
}

/// Bytes biased towards the interesting ones: line ends, IAC, ESC, controls.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        4 => b'a'..=b'z',
        1 => Just(b'\n'),
        1 => Just(b'\r'),
        1 => Just(0u8),
        1 => Just(0xffu8),
        1 => Just(0x1bu8),
        1 => Just(b'['),
        1 => 0xf0u8..=0xfe,
        2 => any::<u8>(),
    ];
    proptest::collection::vec(byte, 0..600)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// Any chunking gives the same lines as the whole stream at once, and no
    /// line has a control character or exceeds the cap.
    #[test]
    fn chunking_does_not_change_the_clean_bounded_lines(
        bytes in stream(),
        cuts in proptest::collection::vec(1usize..40, 1..20),
        max_line in 1usize..64,
    ) {
        let whole = run(&bytes, &[bytes.len().max(1)], max_line);
        let chunked = run(&bytes, &cuts, max_line);
        prop_assert_eq!(&whole, &chunked);
        for line in whole.iter().flatten() {
            prop_assert!(line.len() <= max_line, "{} > {}", line.len(), max_line);
            prop_assert!(!line.chars().any(|c| c.is_control()), "control in {:?}", line);
        }
    }
}
