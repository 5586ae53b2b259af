//! PyTorch checkpoints (`pytorch_model.bin`, the zip format `torch.save` writes since
//! PyTorch 1.6) read as a byte stream, like a safetensors file: the zip's local entries in file
//! order, `data.pkl` first (parsed by the restricted unpickler in [`pickle`]), then each
//! storage `data/{key}` as its bytes arrive. It drives the same [`TensorSink`] as
//! [`crate::tensor_stream::TensorStream`], presenting the checkpoint as the safetensors file a
//! conversion would write (tensors sorted by dtype then name, contiguous little-endian bytes),
//! so the quantizer and the f32 loader have one code path for both formats. docs/pytorch.md
//! describes what is accepted and refused.

pub mod pickle;

use crate::error::{Error, Result};
use crate::tensor_stream::{TensorInfo, TensorSink, MAX_RESERVE};
use pickle::TensorRecord;
use safetensors::Dtype;
use std::collections::HashMap;

const LOCAL: [u8; 4] = *b"PK\x03\x04";
const CENTRAL: [u8; 4] = *b"PK\x01\x02";
const END: [u8; 4] = *b"PK\x05\x06";
const END64: [u8; 4] = *b"PK\x06\x06";
const DESCRIPTOR: [u8; 4] = *b"PK\x07\x08";
/// The largest `data.pkl` read (a state dict's is ~100 bytes per tensor).
const MAX_PICKLE: usize = 64 << 20;
/// The largest entry of unknown size other than `data.pkl` (`version`, `byteorder`, …).
const MAX_SMALL_ENTRY: usize = 1 << 20;
/// The end-of-central-directory record with its longest comment.
const MAX_EOCD: usize = 22 + 0xffff;

/// True if `head` (the first bytes of a file) starts a zip archive.
pub fn is_zip(head: &[u8]) -> bool {
    head.starts_with(&LOCAL)
}

/// True if `head` starts like PyTorch's legacy (pre-1.6) format: a bare pickle stream.
pub fn is_legacy(head: &[u8]) -> bool {
    // Protocol 2, then LONG1 of 10 bytes: the magic number it pickles first.
    head.starts_with(&[0x80, 0x02, 0x8a, 0x0a])
}

/// The error for a checkpoint in PyTorch's legacy format.
pub fn legacy_error() -> Error {
    bad(
        "this is PyTorch's legacy (pre-1.6) checkpoint format, a bare pickle stream; \
         gamjeong reads the zip format torch.save has written since PyTorch 1.6: load and save \
         it again with a current PyTorch, or convert it to model.safetensors"
            .into(),
    )
}

fn bad(msg: String) -> Error {
    Error::Pytorch(msg)
}

/// How the current entry's end is found.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Size {
    /// From the local header or, for a storage, from the pickle.
    Known(usize),
    /// Written with a data descriptor and not a storage: the entry ends at the first
    /// descriptor whose sizes and CRC match the bytes before it.
    Scan(usize),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Pickle,
    Storage(usize),
    ByteOrder,
    Other,
}

struct Entry {
    name: String,
    kind: Kind,
    size: Size,
    /// General-purpose flag bit 3: sizes and CRC follow the data.
    descriptor: bool,
    zip64: bool,
    header_crc: u32,
    received: usize,
    crc: crc32fast::Hasher,
    /// The entry's bytes when they are kept (pickle, small entries, wanted storages).
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

/// One storage (`data/{key}`): which tensors read it.
struct Storage {
    dtype: Dtype,
    numel: usize,
    bytes: usize,
    /// Sink indices of the tensors viewing it.
    users: Vec<usize>,
    wanted: bool,
    done: bool,
}

/// Splits a PyTorch zip checkpoint (any chunking) into tensors for a [`TensorSink`].
pub struct PytorchStream {
    phase: Phase,
    pending: Vec<u8>,
    consumed: usize,
    /// Local header fields of the entry being read.
    flags: u16,
    method: u16,
    header_crc: u32,
    header_size: u32,
    entry: Option<Entry>,
    /// The archive's folder (`data.pkl`'s path prefix, e.g. `pytorch_model/`).
    prefix: Option<String>,
    records: Vec<TensorRecord>,
    tensors: Vec<TensorInfo>,
    wanted: Vec<bool>,
    storages: HashMap<String, Storage>,
    /// The last bytes after the entries, to find the end-of-central-directory record.
    tail: Vec<u8>,
}

impl Default for PytorchStream {
    fn default() -> Self {
        Self::new()
    }
}

impl PytorchStream {
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
            prefix: None,
            records: Vec::new(),
            tensors: Vec::new(),
            wanted: Vec::new(),
            storages: HashMap::new(),
            tail: Vec::new(),
        }
    }

    pub fn consumed(&self) -> usize {
        self.consumed
    }

    /// True once every storage arrived and the central directory began.
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Tail) && self.storages.values().all(|s| s.done)
    }

    /// Errors unless the whole checkpoint has arrived.
    pub fn check_complete(&self) -> Result<()> {
        if self.prefix.is_none() || !matches!(self.phase, Phase::Tail) {
            return Err(bad(format!(
                "the checkpoint is truncated: it stops after {} bytes, inside its entries",
                self.consumed
            )));
        }
        let mut missing: Vec<&str> = self
            .storages
            .iter()
            .filter(|(_, s)| !s.done)
            .map(|(k, _)| k.as_str())
            .collect();
        missing.sort_unstable();
        if let Some(key) = missing.first() {
            return Err(bad(format!(
                "the checkpoint has no entry data/{key} for the storage its tensors name ({} missing)",
                missing.len()
            )));
        }
        if !self.has_end_record() {
            return Err(bad(format!(
                "the checkpoint is truncated: no end-of-central-directory record in its last {} bytes",
                self.tail.len()
            )));
        }
        Ok(())
    }

    fn has_end_record(&self) -> bool {
        let t = &self.tail;
        (0..t.len().saturating_sub(21)).rev().any(|i| {
            t[i..].starts_with(&END) && {
                let comment = u16::from_le_bytes([t[i + 20], t[i + 21]]) as usize;
                i + 22 + comment == t.len()
            }
        })
    }

    /// Feeds the next bytes of the file.
    pub fn push(&mut self, mut chunk: &[u8], sink: &mut dyn TensorSink) -> Result<()> {
        while !chunk.is_empty() {
            match self.phase {
                Phase::Signature => {
                    if self.fill(&mut chunk, 4) {
                        let sig: [u8; 4] = self.pending[..4].try_into().unwrap_or_default();
                        self.pending.clear();
                        self.signature(sig)?;
                    }
                }
                Phase::Header => {
                    if self.fill(&mut chunk, 26) {
                        self.local_header()?;
                    }
                }
                Phase::NameExtra {
                    name_len,
                    extra_len,
                } => {
                    if self.fill(&mut chunk, name_len + extra_len) {
                        self.begin_entry(name_len, sink)?;
                    }
                }
                Phase::Data => self.data(&mut chunk, sink)?,
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
                        self.end_entry(crc, sink)?;
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

    fn signature(&mut self, sig: [u8; 4]) -> Result<()> {
        if sig == LOCAL {
            self.phase = Phase::Header;
            return Ok(());
        }
        if self.consumed == 4 {
            if is_legacy(&sig) {
                return Err(legacy_error());
            }
            return Err(bad(
                "this is not a PyTorch checkpoint (no zip signature at its start)".into(),
            ));
        }
        if sig == CENTRAL || sig == END || sig == END64 {
            if self.prefix.is_none() {
                return Err(bad("the checkpoint has no data.pkl entry".into()));
            }
            self.tail.extend_from_slice(&sig);
            self.phase = Phase::Tail;
            return Ok(());
        }
        Err(bad(format!(
            "the checkpoint is damaged: no zip entry at byte {}",
            self.consumed - 4
        )))
    }

    fn local_header(&mut self) -> Result<()> {
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
        Ok(())
    }

    fn begin_entry(&mut self, name_len: usize, sink: &mut dyn TensorSink) -> Result<()> {
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
        let kind = self.kind_of(&name)?;
        if kind != Kind::Pickle && self.prefix.is_none() {
            return Err(bad(format!(
                "the checkpoint's first entry is {name}, not data.pkl (torch.save writes the \
                 pickle first, which reading it as a stream relies on)"
            )));
        }
        let declared = match (descriptor, zip64) {
            (true, _) => None,
            (false, Some(Some(n))) => Some(usize::try_from(n).unwrap_or(usize::MAX)),
            (false, _) => Some(self.header_size as usize),
        };
        let size = match (kind, declared) {
            (Kind::Storage(_), _) => {
                let s = self.storage_of(&name);
                let bytes = s.map(|s| s.bytes).unwrap_or(0);
                if declared.is_some_and(|d| d != bytes) {
                    return Err(bad(format!(
                        "entry {name} holds {} bytes, but the pickle declares {bytes}",
                        declared.unwrap_or(0)
                    )));
                }
                Size::Known(bytes)
            }
            (_, Some(n)) => Size::Known(n),
            (Kind::Pickle, None) => Size::Scan(MAX_PICKLE),
            (_, None) => Size::Scan(MAX_SMALL_ENTRY),
        };
        let keep = match kind {
            Kind::Storage(_) => self.storage_of(&name).is_some_and(|s| s.wanted),
            Kind::Other => matches!(size, Size::Scan(_)),
            Kind::Pickle | Kind::ByteOrder => true,
        };
        let limit = match (kind, size) {
            (Kind::Pickle, Size::Known(n)) if n > MAX_PICKLE => Some(n),
            (Kind::ByteOrder, Size::Known(n)) if n > 16 => Some(n),
            _ => None,
        };
        if let Some(n) = limit {
            return Err(bad(format!("entry {name} claims {n} bytes")));
        }
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
            kind,
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
        if let Some(Entry {
            size: Size::Known(0),
            ..
        }) = self.entry
        {
            self.finish_data(sink)?;
        }
        Ok(())
    }

    fn kind_of(&mut self, name: &str) -> Result<Kind> {
        let Some(prefix) = &self.prefix else {
            if let Some(p) = name.strip_suffix("data.pkl") {
                if p.is_empty() || p.ends_with('/') && p.matches('/').count() == 1 {
                    self.prefix = Some(p.to_owned());
                    return Ok(Kind::Pickle);
                }
            }
            return Ok(Kind::Other);
        };
        let Some(rest) = name.strip_prefix(prefix.as_str()) else {
            return Ok(Kind::Other);
        };
        if rest == "data.pkl" {
            return Err(bad(format!("the checkpoint has a second {name}")));
        }
        if rest == "byteorder" {
            return Ok(Kind::ByteOrder);
        }
        if let Some(key) = rest.strip_prefix("data/") {
            if let Some(s) = self.storages.get(key) {
                if s.done {
                    return Err(bad(format!("the checkpoint has {name} twice")));
                }
                return Ok(Kind::Storage(s.bytes));
            }
        }
        Ok(Kind::Other)
    }

    fn storage_of(&self, name: &str) -> Option<&Storage> {
        let key = name
            .strip_prefix(self.prefix.as_deref()?)?
            .strip_prefix("data/")?;
        self.storages.get(key)
    }

    fn data(&mut self, chunk: &mut &[u8], sink: &mut dyn TensorSink) -> Result<()> {
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
                    self.finish_data(sink)?;
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
                    self.end_entry(crc, sink)?;
                }
            }
        }
        Ok(())
    }

    fn finish_data(&mut self, sink: &mut dyn TensorSink) -> Result<()> {
        let entry = self.entry.as_ref().expect("an entry");
        if entry.descriptor {
            self.phase = Phase::Descriptor;
            Ok(())
        } else {
            let crc = entry.header_crc;
            self.end_entry(crc, sink)
        }
    }

    fn end_entry(&mut self, crc: u32, sink: &mut dyn TensorSink) -> Result<()> {
        let entry = self.entry.take().expect("an entry");
        let got = entry.crc.finalize();
        if got != crc {
            return Err(bad(format!(
                "entry {} is damaged: CRC-32 {got:08x}, the zip says {crc:08x}",
                entry.name
            )));
        }
        self.phase = Phase::Signature;
        match entry.kind {
            Kind::Pickle => self.pickle(&entry.buf, sink),
            Kind::ByteOrder => {
                if entry.buf != b"little" {
                    return Err(bad(format!(
                        "the checkpoint's byte order is {:?}: only little-endian checkpoints \
                         are read",
                        String::from_utf8_lossy(&entry.buf)
                    )));
                }
                Ok(())
            }
            Kind::Storage(_) => self.storage_done(&entry.name, entry.buf, sink),
            Kind::Other => Ok(()),
        }
    }

    fn pickle(&mut self, data: &[u8], sink: &mut dyn TensorSink) -> Result<()> {
        let records = pickle::parse_state_dict(data)?;
        let mut storages: HashMap<String, Storage> = HashMap::new();
        for r in &records {
            let s = &r.storage;
            let el = s.dtype.bitsize() / 8;
            let bytes = s
                .numel
                .checked_mul(el)
                .ok_or_else(|| bad(format!("storage {} of `{}` is too large", s.key, r.name)))?;
            let entry = storages.entry(s.key.clone()).or_insert(Storage {
                dtype: s.dtype,
                numel: s.numel,
                bytes,
                users: Vec::new(),
                wanted: false,
                done: false,
            });
            if entry.dtype != s.dtype || entry.numel != s.numel {
                return Err(bad(format!(
                    "storage {} is declared twice with different types or sizes",
                    s.key
                )));
            }
            check_view(r)?;
        }
        // The order and offsets of the safetensors file a conversion would write (safetensors
        // sorts by dtype, descending, then name), so a sink sees the same tensor table.
        let mut order: Vec<usize> = (0..records.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&records[a], &records[b]);
            b.storage
                .dtype
                .cmp(&a.storage.dtype)
                .then_with(|| a.name.cmp(&b.name))
        });
        let mut names = std::collections::HashSet::new();
        if let Some(r) = records.iter().find(|r| !names.insert(r.name.as_str())) {
            return Err(bad(format!("the state dict has `{}` twice", r.name)));
        }
        let mut pos = 0usize;
        let mut tensors = Vec::with_capacity(records.len());
        let mut sorted = Vec::with_capacity(records.len());
        for &i in &order {
            let r = &records[i];
            let el = r.storage.dtype.bitsize() / 8;
            let bytes = r
                .shape
                .iter()
                .try_fold(el, |a, &d| a.checked_mul(d))
                .ok_or_else(|| bad(format!("`{}` {:?} is too large", r.name, r.shape)))?;
            let end = pos
                .checked_add(bytes)
                .ok_or_else(|| bad("the checkpoint's tensors are too large".into()))?;
            tensors.push(TensorInfo {
                name: r.name.clone(),
                dtype: r.storage.dtype,
                shape: r.shape.clone(),
                start: pos,
                end,
            });
            pos = end;
            sorted.push(r.clone());
        }
        let wanted = sink.header(None, &tensors)?;
        if wanted.len() != tensors.len() {
            return Err(bad("tensor sink answered for the wrong tensors".into()));
        }
        for (i, r) in sorted.iter().enumerate() {
            let s = storages
                .get_mut(&r.storage.key)
                .expect("every storage listed");
            s.users.push(i);
            s.wanted |= wanted[i];
        }
        self.records = sorted;
        self.tensors = tensors;
        self.wanted = wanted;
        self.storages = storages;
        Ok(())
    }

    /// Storage `name` is complete: hands each wanted tensor viewing it to the sink.
    fn storage_done(&mut self, name: &str, data: Vec<u8>, sink: &mut dyn TensorSink) -> Result<()> {
        let key = name
            .strip_prefix(self.prefix.as_deref().unwrap_or(""))
            .and_then(|n| n.strip_prefix("data/"))
            .unwrap_or(name)
            .to_owned();
        let s = self.storages.get_mut(&key).expect("a listed storage");
        s.done = true;
        let users = s.users.clone();
        let last_wanted = users.iter().rposition(|&i| self.wanted[i]);
        let mut data = Some(data);
        for (n, &i) in users.iter().enumerate() {
            let r = &self.records[i];
            let t = &self.tensors[i];
            let bytes = if !self.wanted[i] {
                Vec::new()
            } else if Some(n) == last_wanted && is_whole(r) {
                data.take().unwrap_or_default()
            } else {
                gather(r, data.as_deref().unwrap_or(&[]))?
            };
            sink.tensor(i, t, bytes)?;
        }
        Ok(())
    }
}

/// A view that reads the storage from its first element to its last, in order: its bytes
/// are the storage's, no copy needed.
fn is_whole(r: &TensorRecord) -> bool {
    let numel: usize = r.shape.iter().product();
    r.offset == 0 && numel == r.storage.numel && is_contiguous(r)
}

fn is_contiguous(r: &TensorRecord) -> bool {
    let mut expect = 1usize;
    for (&d, &s) in r.shape.iter().zip(&r.stride).rev() {
        if d != 1 && s != expect {
            return false;
        }
        expect = expect.saturating_mul(d);
    }
    true
}

/// Every element the view reads lies inside its storage.
fn check_view(r: &TensorRecord) -> Result<()> {
    if r.shape.contains(&0) {
        return Ok(());
    }
    let last = r
        .shape
        .iter()
        .zip(&r.stride)
        .try_fold(r.offset, |a, (&d, &s)| {
            a.checked_add((d - 1).checked_mul(s)?)
        });
    match last {
        Some(l) if l < r.storage.numel => Ok(()),
        _ => Err(bad(format!(
            "`{}` (shape {:?}, stride {:?}, offset {}) reads past the end of its storage of {} elements",
            r.name, r.shape, r.stride, r.offset, r.storage.numel
        ))),
    }
}

/// The view's elements in row-major order, copied out of its storage's bytes.
fn gather(r: &TensorRecord, storage: &[u8]) -> Result<Vec<u8>> {
    let el = r.storage.dtype.bitsize() / 8;
    let numel: usize = r.shape.iter().product();
    let mut out = Vec::new();
    out.try_reserve_exact(numel * el).map_err(|_| {
        bad(format!(
            "cannot allocate {} bytes for `{}`",
            numel * el,
            r.name
        ))
    })?;
    if numel == 0 {
        return Ok(out);
    }
    let copy = |out: &mut Vec<u8>, at: usize, n: usize| {
        out.extend_from_slice(&storage[at * el..(at + n) * el]);
    };
    if is_contiguous(r) {
        copy(&mut out, r.offset, numel);
        return Ok(out);
    }
    // Walk the index space with an odometer; the innermost dimension is one run when
    // its stride is 1.
    let dims = r.shape.len();
    let (inner, inner_stride) = (r.shape[dims - 1], r.stride[dims - 1]);
    let mut index = vec![0usize; dims - 1];
    loop {
        let base = r.offset
            + index
                .iter()
                .zip(&r.stride)
                .map(|(&i, &s)| i * s)
                .sum::<usize>();
        if inner_stride == 1 {
            copy(&mut out, base, inner);
        } else {
            for j in 0..inner {
                copy(&mut out, base + j * inner_stride, 1);
            }
        }
        let mut d = dims - 1;
        loop {
            if d == 0 {
                return Ok(out);
            }
            d -= 1;
            index[d] += 1;
            if index[d] < r.shape[d] {
                break;
            }
            index[d] = 0;
        }
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
