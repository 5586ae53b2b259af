//! The zip archive of a `torch.save`d checkpoint, read as a stream: local entries in file
//! order (stored, never compressed, with or without data descriptors, zip64 sizes), each
//! CRC-checked, up to the central directory, whose end record must arrive too. What an entry
//! means — and so its size when only a data descriptor states it, and whether its bytes are
//! kept — is the [`Entries`] handler's business (the state dict in the parent module).

use super::{bad, legacy_error};
use crate::error::Result;
use crate::io::{Format, MAX_RESERVE};

pub(super) const LOCAL: [u8; 4] = *b"PK\x03\x04";
const CENTRAL: [u8; 4] = *b"PK\x01\x02";
const END: [u8; 4] = *b"PK\x05\x06";
const END64: [u8; 4] = *b"PK\x06\x06";
const DESCRIPTOR: [u8; 4] = *b"PK\x07\x08";
/// The end-of-central-directory record with its longest comment.
const MAX_EOCD: usize = 22 + 0xffff;

/// How the current entry's end is found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Size {
    /// From the local header or, for a storage, from the pickle.
    Known(usize),
    /// Written with a data descriptor and not a storage: the entry ends at the first
    /// descriptor whose sizes and CRC match the bytes before it, within this many bytes.
    Scan(usize),
}

/// How one entry is read, as its handler decides from its name.
pub(super) struct Plan {
    pub size: Size,
    /// The entry's bytes are handed to [`Entries::end`] (else only their CRC is checked).
    pub keep: bool,
}

/// What the archive's entries mean.
pub(super) trait Entries {
    /// A local entry begins; `declared` is its size from the local header (`None` when a data
    /// descriptor follows the data instead).
    fn begin(&mut self, name: &str, declared: Option<usize>) -> Result<Plan>;
    /// The entry is complete and its CRC matched; `data` is empty unless it was kept.
    fn end(&mut self, name: &str, data: Vec<u8>) -> Result<()>;
    /// The central directory begins: there are no more entries.
    fn last_entry_done(&mut self) -> Result<()>;
}

struct Entry {
    name: String,
    size: Size,
    /// General-purpose flag bit 3: sizes and CRC follow the data.
    descriptor: bool,
    zip64: bool,
    header_crc: u32,
    received: usize,
    crc: crc32fast::Hasher,
    /// The entry's bytes when they are kept.
    keep: bool,
    buf: Vec<u8>,
}

enum Phase {
    Signature,
    Header,
    NameExtra { name_len: usize, extra_len: usize },
    Data,
    Descriptor,
    Tail,
}

/// Splits a zip archive (any chunking) into its local entries.
pub(super) struct ZipStream {
    phase: Phase,
    pending: Vec<u8>,
    consumed: usize,
    /// Local header fields of the entry being read.
    flags: u16,
    method: u16,
    header_crc: u32,
    header_size: u32,
    entry: Option<Entry>,
    /// The last bytes after the entries, to find the end-of-central-directory record.
    tail: Vec<u8>,
}

impl ZipStream {
    pub fn new() -> Self {
        Self {
            phase: Phase::Signature,
            pending: Vec::new(),
            consumed: 0,
            flags: 0,
            method: 0,
            header_crc: 0,
            header_size: 0,
            entry: None,
            tail: Vec::new(),
        }
    }

    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// Errors unless every local entry has arrived.
    pub fn check_entries_complete(&self) -> Result<()> {
        if matches!(self.phase, Phase::Tail) {
            return Ok(());
        }
        Err(bad(format!(
            "the checkpoint is truncated: it stops after {} bytes, inside its entries",
            self.consumed
        )))
    }

    /// Errors unless the end-of-central-directory record has arrived.
    pub fn check_end_record(&self) -> Result<()> {
        let t = &self.tail;
        let found = (0..t.len().saturating_sub(21)).rev().any(|i| {
            t[i..].starts_with(&END) && {
                let comment = u16::from_le_bytes([t[i + 20], t[i + 21]]) as usize;
                i + 22 + comment == t.len()
            }
        });
        if found {
            return Ok(());
        }
        Err(bad(format!(
            "the checkpoint is truncated: no end-of-central-directory record in its last {} bytes",
            self.tail.len()
        )))
    }

    /// Feeds the next bytes of the archive.
    pub fn push(&mut self, mut chunk: &[u8], entries: &mut dyn Entries) -> Result<()> {
        while !chunk.is_empty() {
            match self.phase {
                Phase::Signature => {
                    if self.fill(&mut chunk, 4) {
                        let sig: [u8; 4] = self.pending[..4].try_into().unwrap_or_default();
                        self.pending.clear();
                        self.signature(sig, entries)?;
                    }
                }
                Phase::Header => {
                    if self.fill(&mut chunk, 26) {
                        self.local_header();
                    }
                }
                Phase::NameExtra {
                    name_len,
                    extra_len,
                } => {
                    if self.fill(&mut chunk, name_len + extra_len) {
                        self.begin_entry(name_len, entries)?;
                    }
                }
                Phase::Data => self.data(&mut chunk, entries)?,
                Phase::Descriptor => {
                    // The signature is optional; CRC and sizes are not.
                    if !self.fill(&mut chunk, 4) {
                        continue;
                    }
                    let (zip64, received, name) = match &self.entry {
                        Some(e) => (e.zip64, e.received as u64, e.name.clone()),
                        None => return Err(bad("a data descriptor without an entry".into())),
                    };
                    let sizes = if zip64 { 16 } else { 8 };
                    let signed = self.pending[..4] == DESCRIPTOR;
                    if self.fill(&mut chunk, if signed { 8 } else { 4 } + sizes) {
                        let d = std::mem::take(&mut self.pending);
                        let d = if signed { &d[4..] } else { &d[..] };
                        let crc = le32(&d[0..4]);
                        let (csize, usize_) = if zip64 {
                            (le64(&d[4..12]), le64(&d[12..20]))
                        } else {
                            (le32(&d[4..8]) as u64, le32(&d[8..12]) as u64)
                        };
                        if csize != received || usize_ != received {
                            return Err(bad(format!(
                                "entry {name}: its data descriptor says {csize} bytes, the data is {received}"
                            )));
                        }
                        self.end_entry(crc, entries)?;
                    }
                }
                Phase::Tail => {
                    let keep = chunk.len().min(MAX_EOCD);
                    let drop = (self.tail.len() + keep).saturating_sub(MAX_EOCD);
                    self.tail.drain(..drop);
                    self.tail.extend_from_slice(&chunk[chunk.len() - keep..]);
                    self.consumed += chunk.len();
                    chunk = &[];
                }
            }
        }
        Ok(())
    }

    /// Moves bytes into `pending` until it holds `n`; true when it does.
    fn fill(&mut self, chunk: &mut &[u8], n: usize) -> bool {
        let take = n.saturating_sub(self.pending.len()).min(chunk.len());
        self.pending.extend_from_slice(&chunk[..take]);
        *chunk = &chunk[take..];
        self.consumed += take;
        self.pending.len() >= n
    }

    fn signature(&mut self, sig: [u8; 4], entries: &mut dyn Entries) -> Result<()> {
        if sig == LOCAL {
            self.phase = Phase::Header;
            return Ok(());
        }
        if self.consumed == 4 {
            if Format::sniff(&sig) == Format::PytorchLegacy {
                return Err(legacy_error());
            }
            return Err(bad(
                "this is not a PyTorch checkpoint (no zip signature at its start)".into(),
            ));
        }
        if sig == CENTRAL || sig == END || sig == END64 {
            entries.last_entry_done()?;
            self.tail.extend_from_slice(&sig);
            self.phase = Phase::Tail;
            return Ok(());
        }
        Err(bad(format!(
            "the checkpoint is damaged: no zip entry at byte {}",
            self.consumed - 4
        )))
    }

    fn local_header(&mut self) {
        let h = std::mem::take(&mut self.pending);
        self.flags = u16::from_le_bytes([h[2], h[3]]);
        self.method = u16::from_le_bytes([h[4], h[5]]);
        self.header_crc = le32(&h[10..14]);
        self.header_size = le32(&h[14..18]);
        let name_len = u16::from_le_bytes([h[22], h[23]]) as usize;
        let extra_len = u16::from_le_bytes([h[24], h[25]]) as usize;
        self.phase = Phase::NameExtra {
            name_len,
            extra_len,
        };
    }

    fn begin_entry(&mut self, name_len: usize, entries: &mut dyn Entries) -> Result<()> {
        let ne = std::mem::take(&mut self.pending);
        let name = String::from_utf8_lossy(&ne[..name_len]).into_owned();
        if self.flags & 1 != 0 {
            return Err(bad(format!("entry {name} is encrypted")));
        }
        if self.method != 0 {
            return Err(bad(format!(
                "entry {name} is compressed (zip method {}): torch.save stores entries \
                 uncompressed, and so must a checkpoint gamjeong reads",
                self.method
            )));
        }
        let zip64 = zip64_size(&ne[name_len..]);
        let descriptor = self.flags & 8 != 0;
        let declared = match (descriptor, zip64) {
            (true, _) => None,
            (false, Some(Some(n))) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            (false, _) => Some(self.header_size as usize),
        };
        let Plan { size, keep } = entries.begin(&name, declared)?;
        let mut buf = Vec::new();
        if keep {
            let want = match size {
                Size::Known(n) => n.min(MAX_RESERVE),
                Size::Scan(_) => 0,
            };
            buf.try_reserve_exact(want)
                .map_err(|_| bad(format!("cannot allocate {want} bytes for entry {name}")))?;
        }
        self.entry = Some(Entry {
            name,
            size,
            descriptor,
            zip64: zip64.is_some(),
            header_crc: self.header_crc,
            received: 0,
            crc: crc32fast::Hasher::new(),
            keep,
            buf,
        });
        self.phase = Phase::Data;
        if size == Size::Known(0) {
            self.finish_data(entries)?;
        }
        Ok(())
    }

    fn data(&mut self, chunk: &mut &[u8], entries: &mut dyn Entries) -> Result<()> {
        let entry = self.entry.as_mut().expect("an entry in Data");
        match entry.size {
            Size::Known(n) => {
                let take = (n - entry.received).min(chunk.len());
                let bytes = &chunk[..take];
                entry.crc.update(bytes);
                if entry.keep {
                    entry.buf.extend_from_slice(bytes);
                }
                entry.received += take;
                self.consumed += take;
                *chunk = &chunk[take..];
                if entry.received == n {
                    self.finish_data(entries)?;
                }
            }
            Size::Scan(cap) => {
                // Byte by byte up to a descriptor, so nothing past it is swallowed; only
                // small entries (and data.pkl) are read this way.
                let tail = if entry.zip64 { 24 } else { 16 };
                let mut taken = 0;
                let mut found = None;
                for &b in chunk.iter() {
                    entry.buf.push(b);
                    taken += 1;
                    if entry.buf.len() >= tail {
                        let at = entry.buf.len() - tail;
                        if let Some(crc) = descriptor_at(&entry.buf, at, entry.zip64) {
                            found = Some(crc);
                            break;
                        }
                    }
                    if entry.buf.len() > cap + tail {
                        return Err(bad(format!(
                            "entry {} has no data descriptor within {cap} bytes",
                            entry.name
                        )));
                    }
                }
                self.consumed += taken;
                *chunk = &chunk[taken..];
                if let Some(crc) = found {
                    entry.buf.truncate(entry.buf.len() - tail);
                    entry.received = entry.buf.len();
                    entry.crc.update(&entry.buf);
                    self.end_entry(crc, entries)?;
                }
            }
        }
        Ok(())
    }

    fn finish_data(&mut self, entries: &mut dyn Entries) -> Result<()> {
        let entry = self.entry.as_ref().expect("an entry");
        if entry.descriptor {
            self.phase = Phase::Descriptor;
            Ok(())
        } else {
            let crc = entry.header_crc;
            self.end_entry(crc, entries)
        }
    }

    fn end_entry(&mut self, crc: u32, entries: &mut dyn Entries) -> Result<()> {
        let entry = self.entry.take().expect("an entry");
        let got = entry.crc.finalize();
        if got != crc {
            return Err(bad(format!(
                "entry {} is damaged: CRC-32 {got:08x}, the zip says {crc:08x}",
                entry.name
            )));
        }
        self.phase = Phase::Signature;
        entries.end(&entry.name, entry.buf)
    }
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

/// The zip64 extended-information field of a local header's extra data: `Some(size)` when
/// present (the uncompressed size, if it is given), `None` when absent.
fn zip64_size(extra: &[u8]) -> Option<Option<u64>> {
    let mut e = extra;
    while e.len() >= 4 {
        let id = u16::from_le_bytes([e[0], e[1]]);
        let len = (u16::from_le_bytes([e[2], e[3]]) as usize).min(e.len() - 4);
        if id == 1 {
            return Some((len >= 8).then(|| le64(&e[4..12])));
        }
        e = &e[4 + len..];
    }
    None
}

/// If `buf[at..]` is a data descriptor (with signature) for the `at` bytes before it, whose
/// CRC-32 it matches, that CRC.
fn descriptor_at(buf: &[u8], at: usize, zip64: bool) -> Option<u32> {
    let d = &buf[at..];
    if d[..4] != DESCRIPTOR {
        return None;
    }
    let crc = le32(&d[4..8]);
    let (c, u) = if zip64 {
        (le64(&d[8..16]), le64(&d[16..24]))
    } else {
        (le32(&d[8..12]) as u64, le32(&d[12..16]) as u64)
    };
    (c == at as u64 && u == at as u64 && crc32fast::hash(&buf[..at]) == crc).then_some(crc)
}
