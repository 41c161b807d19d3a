//! The end of a log: the last N lines, read backwards from the end in blocks, never more than a
//! byte bound (a 100 MiB log costs one block read per 64 KiB kept, not the whole file).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const BLOCK: u64 = 64 * 1024;

/// What was read and whether the file holds more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub text: String,
    pub lines: usize,
    /// The file's size.
    pub file_bytes: u64,
    /// The file holds more than what was kept.
    pub truncated: bool,
}

/// The last `max_lines` lines of `path`, at most `max_bytes` bytes (then starting at a line
/// boundary). Invalid UTF-8 is replaced, not refused.
pub fn tail(path: &Path, max_lines: usize, max_bytes: u64) -> std::io::Result<Tail> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut start = len;
    let mut buf: Vec<u8> = Vec::new();
    // Count newlines from the end; a final newline does not start a line.
    let mut newlines = 0usize;
    let wanted = max_lines + usize::from(len > 0);
    while start > 0 && (len - start) < max_bytes {
        let step = BLOCK.min(start).min(max_bytes - (len - start));
        start -= step;
        f.seek(SeekFrom::Start(start))?;
        let mut block = vec![0u8; step as usize];
        f.read_exact(&mut block)?;
        newlines += block.iter().filter(|b| **b == b'\n').count();
        block.extend_from_slice(&buf);
        buf = block;
        if newlines >= wanted {
            break;
        }
    }
    // Keep only the last max_lines lines.
    let ends_with_newline = buf.last() == Some(&b'\n');
    let body = if ends_with_newline {
        &buf[..buf.len() - 1]
    } else {
        &buf[..]
    };
    let mut cut = 0usize;
    let mut seen = 0usize;
    for (i, b) in body.iter().enumerate().rev() {
        if *b == b'\n' {
            seen += 1;
            if seen == max_lines {
                cut = i + 1;
                break;
            }
        }
    }
    // Read less than the whole file and no cut found: drop the first line unless the byte
    // before it ends a line (then it is whole).
    let whole_first = start == 0 || {
        let mut b = [0u8; 1];
        f.seek(SeekFrom::Start(start - 1))?;
        f.read_exact(&mut b)?;
        b[0] == b'\n'
    };
    if cut == 0 && !whole_first {
        cut = body
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |i| i + 1);
    }
    let kept = &buf[cut..];
    let text = String::from_utf8_lossy(kept).into_owned();
    let lines = text.lines().count();
    Ok(Tail {
        truncated: start + (cut as u64) > 0,
        file_bytes: len,
        lines,
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(f.path(), text).unwrap();
        f
    }

    #[test]
    fn last_lines_exactly() {
        let text: String = (1..=10).map(|i| format!("line {i}\n")).collect();
        let f = file(&text);
        let t = tail(f.path(), 3, 1 << 20).unwrap();
        assert_eq!(
            (t.text.as_str(), t.lines, t.truncated),
            ("line 8\nline 9\nline 10\n", 3, true)
        );
        let all = tail(f.path(), 10, 1 << 20).unwrap();
        assert_eq!((all.text, all.truncated), (text.clone(), false));
        let more = tail(f.path(), 50, 1 << 20).unwrap();
        assert_eq!((more.lines, more.truncated), (10, false));
        // No final newline: the last line still counts.
        let g = file("a\nb\nc");
        assert_eq!(tail(g.path(), 2, 100).unwrap().text, "b\nc");
        assert_eq!(tail(file("").path(), 5, 100).unwrap().lines, 0);
    }

    #[test]
    fn the_byte_bound_wins_and_cuts_at_a_line() {
        // 2,000 lines of 100 bytes, more than a block, bound at 1,000 bytes: 10 whole lines.
        let text: String = (0..2000).map(|i| format!("{i:099}\n")).collect();
        let f = file(&text);
        let t = tail(f.path(), 2000, 1000).unwrap();
        assert_eq!(t.lines, 10);
        assert!(t.text.starts_with(&format!("{:099}\n", 1990)) && t.truncated);
        // Lines across block boundaries come back whole.
        let t = tail(f.path(), 1500, 1 << 20).unwrap();
        assert_eq!(t.lines, 1500);
        assert!(t.text.starts_with(&format!("{:099}\n", 500)));
        assert!(t.text.lines().all(|l| l.len() == 99));
    }
}
