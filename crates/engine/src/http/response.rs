//! Response parsing without I/O: the head with httparse, the body with a byte-level decoder that
//! accepts any split of its input (a response may arrive one byte per read).

use super::error::HttpError;

/// A response head larger than this is refused (Go's default is 1 MiB, nginx's client side
/// 8-32 KiB; 64 KiB bounds a VU's buffer while fitting any sane server).
pub(crate) const MAX_HEAD: usize = 64 * 1024;
/// Headers parsed on the stack; a response with more falls back to a heap array (rare).
const STACK_HEADERS: usize = 64;
/// Go gives up after 5 interim (1xx) responses to one request.
pub(crate) const MAX_INTERIM: usize = 5;
/// Chunk-size lines (with extensions) longer than this are refused, like Go's maxLineLength.
const MAX_CHUNK_LINE: usize = 4096;
/// Trailer fields after the last chunk, in total.
const MAX_TRAILERS: usize = MAX_HEAD;

/// The status, headers and (in `BodyMode::Keep`) body of the last response of a VU. All three
/// live in buffers that are reused from one request to the next.
#[derive(Debug, Default)]
pub struct Response {
    /// The VU's read buffer. Its first `head_len` bytes are the last response's head; the rest
    /// is scratch space for reading the body.
    pub(crate) buf: Vec<u8>,
    pub(crate) head_len: usize,
    status: u16,
    minor_version: u8,
    reason: Span,
    headers: Vec<(Span, Span)>,
    pub(crate) body: Vec<u8>,
}

/// A byte range of `Response::buf`.
#[derive(Clone, Copy, Debug, Default)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    fn of(part: &[u8], whole: &[u8]) -> Span {
        // Both slices come from the same buffer: httparse hands out sub-slices of its input.
        let start = (part.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
        Span {
            start: start as u32,
            len: part.len() as u32,
        }
    }

    fn get(self, buf: &[u8]) -> &[u8] {
        let start = self.start as usize;
        buf.get(start..start + self.len as usize)
            .unwrap_or_default()
    }
}

impl Response {
    pub(crate) fn with_buffer(size: usize) -> Self {
        Response {
            buf: vec![0; size],
            headers: Vec::with_capacity(STACK_HEADERS),
            ..Default::default()
        }
    }

    /// 0 when the last request failed.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The reason phrase (`OK` in `HTTP/1.1 200 OK`); k6's `status_text` is
    /// `format!("{} {}", status, reason)`.
    pub fn reason(&self) -> &str {
        std::str::from_utf8(self.reason.get(&self.buf)).unwrap_or_default()
    }

    /// `HTTP/1.0` or `HTTP/1.1` (k6's `proto`).
    pub fn proto(&self) -> &'static str {
        if self.minor_version == 0 {
            "HTTP/1.0"
        } else {
            "HTTP/1.1"
        }
    }

    /// Headers in the order received; names as sent (httparse checked they are tokens).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.headers.iter().map(move |&(name, value)| {
            (
                std::str::from_utf8(name.get(&self.buf)).unwrap_or_default(),
                value.get(&self.buf),
            )
        })
    }

    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The body, only in `BodyMode::Keep` (empty in `Discard`).
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Forgets the last response, keeping every buffer's capacity.
    pub(crate) fn clear(&mut self) {
        self.head_len = 0;
        self.status = 0;
        self.minor_version = 1;
        self.reason = Span::default();
        self.headers.clear();
        self.body.clear();
    }
}

/// How the end of a body is found (RFC 9112 §6.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// HEAD, 204, 304: nothing follows the head.
    Empty,
    Length(u64),
    Chunked,
    /// No length: the body ends when the server closes the connection.
    UntilClose,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub len: usize,
    pub framing: Framing,
    /// False for `Connection: close`, and for HTTP/1.0 without `Connection: keep-alive`.
    pub keep_alive: bool,
}

pub(crate) enum Parsed {
    /// More bytes needed.
    Partial,
    /// A 1xx response of this many bytes: skip it, the real one follows.
    Interim(usize),
    Final(Head),
}

/// Parses the head at the start of `resp.buf[..filled]`. On a final response, status, reason and
/// header positions are stored in `resp`.
pub(crate) fn parse_head(
    resp: &mut Response,
    filled: usize,
    is_head_request: bool,
) -> Result<Parsed, HttpError> {
    let Response { buf, headers, .. } = resp;
    let input = &buf[..filled];
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    let parsed = match parse_with(input, is_head_request, &mut stack, headers) {
        Err(TooMany) => {
            // Every header line ends with '\n': that many slots always suffice.
            let lines = input.iter().filter(|&&b| b == b'\n').count();
            let mut heap = vec![httparse::EMPTY_HEADER; lines + 1];
            parse_with(input, is_head_request, &mut heap, headers)
                .unwrap_or_else(|TooMany| Err(HttpError::malformed("too many headers")))
        }
        Ok(result) => result,
    }?;
    if let Some(final_head) = &parsed.final_head {
        resp.status = parsed.status;
        resp.minor_version = parsed.minor_version;
        resp.reason = parsed.reason;
        resp.head_len = final_head.len;
    }
    Ok(match (parsed.final_head, parsed.interim) {
        (Some(head), _) => Parsed::Final(head),
        (None, Some(len)) => Parsed::Interim(len),
        (None, None) => Parsed::Partial,
    })
}

struct TooMany;

#[derive(Default)]
struct HeadFields {
    status: u16,
    minor_version: u8,
    reason: Span,
    interim: Option<usize>,
    final_head: Option<Head>,
}

/// Parses `input` with `slots` for httparse; header positions go to `headers`.
fn parse_with<'b>(
    input: &'b [u8],
    is_head_request: bool,
    slots: &mut [httparse::Header<'b>],
    headers: &mut Vec<(Span, Span)>,
) -> Result<Result<HeadFields, HttpError>, TooMany> {
    let mut parsed = httparse::Response::new(slots);
    let status = httparse::ParserConfig::default()
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_spaces_after_header_name_in_responses(true)
        .parse_response(&mut parsed, input);
    let len = match status {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(Ok(HeadFields::default())),
        Err(httparse::Error::TooManyHeaders) => return Err(TooMany),
        Err(e) => return Ok(Err(HttpError::malformed(e))),
    };
    let code = parsed.code.unwrap_or(0);
    let minor = parsed.version.unwrap_or(1);
    if code == 101 {
        // k6: `unsupported response status: 101 Switching Protocols` (no websocket here).
        return Ok(Err(HttpError::new(
            HttpError::GENERIC,
            "unsupported response status: 101 Switching Protocols",
        )));
    }
    if (100..200).contains(&code) {
        return Ok(Ok(HeadFields {
            interim: Some(len),
            ..HeadFields::default()
        }));
    }

    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut transfer_encoding = false;
    let mut close = false;
    let mut keep_alive_token = false;
    headers.clear();
    for h in parsed.headers.iter() {
        headers.push((Span::of(h.name.as_bytes(), input), Span::of(h.value, input)));
        if h.name.eq_ignore_ascii_case("content-length") {
            let Some(n) = parse_content_length(h.value) else {
                return Ok(Err(HttpError::malformed("bad Content-Length")));
            };
            if content_length.is_some_and(|m| m != n) {
                return Ok(Err(HttpError::malformed("multiple Content-Length headers")));
            }
            content_length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            transfer_encoding = true;
            // Only the last coding decides (RFC 9112 §6.3): "gzip, chunked" is chunked.
            chunked = tokens(h.value)
                .last()
                .is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"));
        } else if h.name.eq_ignore_ascii_case("connection") {
            for t in tokens(h.value) {
                close |= t.eq_ignore_ascii_case(b"close");
                keep_alive_token |= t.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }

    let framing = if is_head_request || code == 204 || code == 304 {
        Framing::Empty
    } else if transfer_encoding && minor >= 1 {
        // Transfer-Encoding wins over Content-Length; Go ignores it in HTTP/1.0.
        if chunked {
            Framing::Chunked
        } else {
            Framing::UntilClose
        }
    } else if let Some(n) = content_length {
        Framing::Length(n)
    } else {
        Framing::UntilClose
    };
    let keep_alive = !close && (minor >= 1 || keep_alive_token);
    Ok(Ok(HeadFields {
        status: code,
        minor_version: minor,
        reason: Span::of(parsed.reason.unwrap_or_default().as_bytes(), input),
        interim: None,
        final_head: Some(Head {
            len,
            framing,
            keep_alive,
        }),
    }))
}

fn parse_content_length(value: &[u8]) -> Option<u64> {
    let v = value.trim_ascii();
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    v.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

fn tokens(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value
        .split(|&b| b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
}

/// Finds the end of a body in whatever pieces it arrives, copying it out only when asked.
#[derive(Clone, Copy, Debug)]
pub(crate) enum BodyDecoder {
    Length(u64),
    Chunked(Chunked),
    UntilClose,
    Done,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Chunked {
    state: ChunkState,
    size: u64,
    digits: u8,
    /// Bytes of the current size line, or of the whole trailer section.
    line: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ChunkState {
    /// Hex digits of a chunk size.
    Size,
    /// Whitespace after the size, before `;` or the line end.
    SizeSpace,
    /// A chunk extension (`;name=value`), ignored.
    Extension,
    /// CR seen at the end of the size line.
    SizeLf,
    /// `size` bytes of data left in this chunk.
    Data,
    /// The CRLF after a chunk's data.
    DataCr,
    DataLf,
    /// Start of a trailer line, or of the final empty line.
    TrailerStart,
    /// Inside a trailer field line, ignored.
    Trailer,
    /// CR of the final empty line seen.
    EndLf,
}

impl BodyDecoder {
    pub fn new(framing: Framing) -> Self {
        match framing {
            Framing::Empty | Framing::Length(0) => BodyDecoder::Done,
            Framing::Length(n) => BodyDecoder::Length(n),
            Framing::Chunked => BodyDecoder::Chunked(Chunked {
                state: ChunkState::Size,
                size: 0,
                digits: 0,
                line: 0,
            }),
            Framing::UntilClose => BodyDecoder::UntilClose,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, BodyDecoder::Done)
    }

    /// Consumes body bytes from `input` and returns how many it used: fewer than given only when
    /// the body ended inside `input`. Body data is appended to `keep` when given.
    pub fn decode(
        &mut self,
        input: &[u8],
        mut keep: Option<&mut Vec<u8>>,
    ) -> Result<usize, HttpError> {
        match self {
            BodyDecoder::Done => Ok(0),
            BodyDecoder::UntilClose => {
                if let Some(k) = keep {
                    k.extend_from_slice(input);
                }
                Ok(input.len())
            }
            BodyDecoder::Length(left) => {
                let n = input
                    .len()
                    .min(usize::try_from(*left).unwrap_or(usize::MAX));
                if let Some(k) = keep {
                    k.extend_from_slice(&input[..n]);
                }
                *left -= n as u64;
                if *left == 0 {
                    *self = BodyDecoder::Done;
                }
                Ok(n)
            }
            BodyDecoder::Chunked(c) => {
                let mut i = 0;
                while i < input.len() {
                    if c.state == ChunkState::Data {
                        let n =
                            (input.len() - i).min(usize::try_from(c.size).unwrap_or(usize::MAX));
                        if let Some(k) = keep.as_deref_mut() {
                            k.extend_from_slice(&input[i..i + n]);
                        }
                        c.size -= n as u64;
                        i += n;
                        if c.size == 0 {
                            c.state = ChunkState::DataCr;
                        }
                        continue;
                    }
                    let done = c.step(input[i])?;
                    i += 1;
                    if done {
                        *self = BodyDecoder::Done;
                        return Ok(i);
                    }
                }
                Ok(i)
            }
        }
    }

    /// The connection reached EOF: fine for a close-delimited body, an error for a framed one
    /// (Go: `unexpected EOF`).
    pub fn finish_at_eof(&mut self) -> Result<(), HttpError> {
        match self {
            BodyDecoder::UntilClose | BodyDecoder::Done => {
                *self = BodyDecoder::Done;
                Ok(())
            }
            _ => Err(HttpError::unexpected_eof()),
        }
    }
}

impl Chunked {
    /// One byte outside chunk data; true when the body is complete. Bare LF is accepted where
    /// CRLF is due, as Go's chunked reader does for size lines.
    fn step(&mut self, b: u8) -> Result<bool, HttpError> {
        use ChunkState::*;
        let bad_size = || HttpError::new(HttpError::GENERIC, "invalid byte in chunk length");
        let malformed = || HttpError::new(HttpError::GENERIC, "malformed chunked encoding");
        match self.state {
            Size | SizeSpace | Extension | SizeLf => {
                self.line += 1;
                if self.line > MAX_CHUNK_LINE {
                    return Err(HttpError::new(HttpError::GENERIC, "header line too long"));
                }
            }
            TrailerStart | Trailer | EndLf => {
                self.line += 1;
                if self.line > MAX_TRAILERS {
                    return Err(HttpError::new(
                        HttpError::GENERIC,
                        "trailer section too large",
                    ));
                }
            }
            _ => {}
        }
        match (self.state, b) {
            (Size, b) if b.is_ascii_hexdigit() => {
                if self.digits == 16 {
                    return Err(HttpError::new(
                        HttpError::GENERIC,
                        "http chunk length too large",
                    ));
                }
                self.digits += 1;
                self.size = self.size << 4 | u64::from((b as char).to_digit(16).unwrap_or(0));
            }
            (Size, _) if self.digits == 0 => return Err(bad_size()),
            (Size | SizeSpace, b' ' | b'\t') => self.state = SizeSpace,
            (Size | SizeSpace, b';') => self.state = Extension,
            (Size | SizeSpace | Extension, b'\r') => self.state = SizeLf,
            (Size | SizeSpace | Extension | SizeLf, b'\n') => {
                self.line = 0;
                self.state = if self.size == 0 { TrailerStart } else { Data };
            }
            (Size | SizeSpace | SizeLf, _) => return Err(bad_size()),
            (Extension, _) => {}
            (DataCr, b'\r') => self.state = DataLf,
            (DataCr | DataLf, b'\n') => {
                self.state = Size;
                self.size = 0;
                self.digits = 0;
            }
            (DataCr | DataLf, _) => return Err(malformed()),
            (TrailerStart, b'\r') => self.state = EndLf,
            (TrailerStart | EndLf, b'\n') => return Ok(true),
            (EndLf, _) => return Err(malformed()),
            (Trailer, b'\n') => self.state = TrailerStart,
            (TrailerStart | Trailer, _) => self.state = Trailer,
            (Data, _) => {} // handled in bulk by `decode`
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(
        framing: Framing,
        wire: &[u8],
        split: usize,
    ) -> Result<(Vec<u8>, usize), HttpError> {
        let mut d = BodyDecoder::new(framing);
        let mut body = Vec::new();
        let mut used = 0;
        for piece in wire.chunks(split.max(1)) {
            if d.is_done() {
                break;
            }
            used += d.decode(piece, Some(&mut body))?;
        }
        if !d.is_done() {
            d.finish_at_eof()?;
        }
        Ok((body, used))
    }

    #[test]
    fn chunked_with_extensions_and_trailers_at_every_split() {
        let wire = b"4;name=value\r\nWiki\r\n5 ; x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\nX: y\r\n\r\nEXTRA";
        let body_len = wire.len() - "EXTRA".len();
        for split in 1..wire.len() {
            let (body, used) = decode_all(Framing::Chunked, wire, split).unwrap();
            assert_eq!(body, b"Wikipedia in\r\n\r\nchunks.", "split {split}");
            if split == 1 {
                assert_eq!(used, body_len);
            }
        }
    }

    #[test]
    fn chunked_rejects_bad_sizes() {
        for wire in [
            &b"zz\r\n"[..],
            b"\r\n",
            b"4 4\r\n",
            b"11111111111111111\r\n",
        ] {
            assert!(decode_all(Framing::Chunked, wire, 1).is_err(), "{wire:?}");
        }
        assert!(decode_all(Framing::Chunked, b"2\r\nabX\r\n0\r\n\r\n", 3).is_err());
        // EOF inside a chunked body is an unexpected EOF.
        let e = decode_all(Framing::Chunked, b"5\r\nab", 3).unwrap_err();
        assert_eq!(e.message, "unexpected EOF");
    }

    #[test]
    fn length_stops_at_the_length() {
        let (body, used) = decode_all(Framing::Length(3), b"abcdef", 2).unwrap();
        assert_eq!((body.as_slice(), used), (&b"abc"[..], 3));
        assert!(decode_all(Framing::Length(10), b"abc", 2).is_err());
    }

    fn head(text: &str, is_head: bool) -> Result<(Parsed, Response), HttpError> {
        let mut r = Response::with_buffer(256);
        r.buf[..text.len()].copy_from_slice(text.as_bytes());
        let p = parse_head(&mut r, text.len(), is_head)?;
        Ok((p, r))
    }

    fn framing(text: &str) -> (Framing, bool) {
        match head(text, false).unwrap().0 {
            Parsed::Final(h) => (h.framing, h.keep_alive),
            _ => panic!("not final: {text}"),
        }
    }

    #[test]
    fn framing_follows_rfc_9112() {
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            (Framing::Length(5), true)
        );
        assert_eq!(
            framing(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n\r\n"
            ),
            (Framing::Chunked, true)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\n\r\n"),
            (Framing::UntilClose, true)
        );
        assert_eq!(
            framing("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n"),
            (Framing::Empty, true)
        );
        assert_eq!(
            framing("HTTP/1.1 304 Not Modified\r\n\r\n"),
            (Framing::Empty, true)
        );
        assert_eq!(
            framing("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n"),
            (Framing::Length(0), false)
        );
        assert!(!framing("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").1);
        assert!(
            framing("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").1
        );
        match head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", true)
            .unwrap()
            .0
        {
            Parsed::Final(h) => assert_eq!(h.framing, Framing::Empty),
            _ => panic!(),
        }
    }

    #[test]
    fn interim_responses_are_skipped_and_101_refused() {
        assert!(matches!(
            head("HTTP/1.1 100 Continue\r\n\r\n", false).unwrap().0,
            Parsed::Interim(25)
        ));
        assert!(head("HTTP/1.1 101 Switching Protocols\r\n\r\n", false).is_err());
    }

    #[test]
    fn head_fields_are_readable() {
        let (_, r) = head(
            "HTTP/1.1 404 Not Found\r\nX-A: 1\r\nx-b:  two \r\n\r\n",
            false,
        )
        .unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.reason(), "Not Found");
        assert_eq!(r.header("x-a"), Some(&b"1"[..]));
        assert_eq!(r.header("X-B"), Some(&b"two"[..]));
        assert_eq!(r.headers().count(), 2);
    }

    #[test]
    fn bad_heads_are_errors() {
        assert!(head("garbage\r\n\r\n", false).is_err());
        assert!(head("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", false).is_err());
        assert!(head(
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            false
        )
        .is_err());
        assert!(matches!(
            head("HTTP/1.1 200 OK\r\nA: b\r\n", false).unwrap().0,
            Parsed::Partial
        ));
    }

    #[test]
    fn many_headers_fall_back_to_the_heap() {
        let mut text = String::from("HTTP/1.1 200 OK\r\n");
        for i in 0..100 {
            text.push_str(&format!("H{i}: v\r\n"));
        }
        text.push_str("\r\n");
        let mut r = Response::with_buffer(text.len());
        r.buf.copy_from_slice(text.as_bytes());
        assert!(matches!(
            parse_head(&mut r, text.len(), false).unwrap(),
            Parsed::Final(_)
        ));
        assert_eq!(r.headers().count(), 100);
        assert_eq!(r.header("h99"), Some(&b"v"[..]));
    }
}
