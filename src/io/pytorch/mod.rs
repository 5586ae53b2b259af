//! PyTorch checkpoints (`pytorch_model.bin`, the zip format `torch.save` writes since
//! PyTorch 1.6) read as a byte stream, like a safetensors file: the zip's local entries in file
//! order ([`zip`]), `data.pkl` first (parsed by the restricted unpickler in [`pickle`]), then
//! each storage `data/{key}` as its bytes arrive. It drives the same [`TensorSink`] as
//! [`super::SafetensorsStream`], presenting the checkpoint as the safetensors file a conversion
//! would write (tensors sorted by dtype then name, contiguous little-endian bytes), so the
//! quantizer and the f32 loader have one code path for both formats. docs/pytorch.md
//! describes what is accepted and refused.

mod pickle;
mod zip;

use super::{TensorInfo, TensorReader, TensorSink};
use crate::error::{Error, Result};
use pickle::TensorRecord;
use safetensors::Dtype;
use std::collections::HashMap;
use zip::{Plan, Size, ZipStream};

/// The largest `data.pkl` read (a state dict's is ~100 bytes per tensor).
const MAX_PICKLE: usize = 64 << 20;
/// The largest entry of unknown size other than `data.pkl` (`version`, `byteorder`, …).
const MAX_SMALL_ENTRY: usize = 1 << 20;

/// True if `head` (the first bytes of a file) starts a zip archive ([`super::Format::sniff`]).
pub(super) fn is_zip(head: &[u8]) -> bool {
    head.starts_with(&zip::LOCAL)
}

/// True if `head` starts like PyTorch's legacy (pre-1.6) format: a bare pickle stream.
pub(super) fn is_legacy(head: &[u8]) -> bool {
    // Protocol 2, then LONG1 of 10 bytes: the magic number it pickles first.
    head.starts_with(&[0x80, 0x02, 0x8a, 0x0a])
}

/// The error for a checkpoint in PyTorch's legacy format.
pub(crate) fn legacy_error() -> Error {
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

/// What an entry of the archive is to the state dict.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Pickle,
    Storage(usize),
    ByteOrder,
    Other,
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
    zip: ZipStream,
    dict: StateDict,
}

/// The state dict as it arrives: what `data.pkl` declares, and which storages are in.
#[derive(Default)]
struct StateDict {
    /// The archive's folder (`data.pkl`'s path prefix, e.g. `pytorch_model/`).
    prefix: Option<String>,
    /// The kind of the entry being read.
    current: Option<Kind>,
    records: Vec<TensorRecord>,
    tensors: Vec<TensorInfo>,
    wanted: Vec<bool>,
    storages: HashMap<String, Storage>,
}

impl Default for PytorchStream {
    fn default() -> Self {
        Self::new()
    }
}

impl PytorchStream {
    pub fn new() -> Self {
        Self {
            zip: ZipStream::new(),
            dict: StateDict::default(),
        }
    }
}

impl TensorReader for PytorchStream {
    fn push(&mut self, chunk: &[u8], sink: &mut dyn TensorSink) -> Result<()> {
        let mut entries = Entries {
            dict: &mut self.dict,
            sink,
        };
        self.zip.push(chunk, &mut entries)
    }

    fn consumed(&self) -> usize {
        self.zip.consumed()
    }

    fn check_complete(&self) -> Result<()> {
        self.zip.check_entries_complete()?;
        self.dict.check_storages()?;
        self.zip.check_end_record()
    }
}

/// The state dict reading the archive's entries, handing tensors to `sink`.
struct Entries<'a> {
    dict: &'a mut StateDict,
    sink: &'a mut dyn TensorSink,
}

impl zip::Entries for Entries<'_> {
    fn begin(&mut self, name: &str, declared: Option<usize>) -> Result<Plan> {
        self.dict.begin(name, declared)
    }

    fn end(&mut self, name: &str, data: Vec<u8>) -> Result<()> {
        let dict = &mut *self.dict;
        match dict.current.take().expect("an entry begun") {
            Kind::Pickle => dict.pickle(&data, self.sink),
            Kind::ByteOrder => {
                if data != b"little" {
                    return Err(bad(format!(
                        "the checkpoint's byte order is {:?}: only little-endian checkpoints \
                         are read",
                        String::from_utf8_lossy(&data)
                    )));
                }
                Ok(())
            }
            Kind::Storage(_) => dict.storage_done(name, data, self.sink),
            Kind::Other => Ok(()),
        }
    }

    fn last_entry_done(&mut self) -> Result<()> {
        if self.dict.prefix.is_none() {
            return Err(bad("the checkpoint has no data.pkl entry".into()));
        }
        Ok(())
    }
}

impl StateDict {
    /// How to read entry `name`: its size (the local header's, else the pickle's for a
    /// storage, else up to a data descriptor) and whether its bytes are kept.
    fn begin(&mut self, name: &str, declared: Option<usize>) -> Result<Plan> {
        let kind = self.kind_of(name)?;
        if kind != Kind::Pickle && self.prefix.is_none() {
            return Err(bad(format!(
                "the checkpoint's first entry is {name}, not data.pkl (torch.save writes the \
                 pickle first, which reading it as a stream relies on)"
            )));
        }
        let size = match (kind, declared) {
            (Kind::Storage(_), _) => {
                let s = self.storage_of(name);
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
            Kind::Storage(_) => self.storage_of(name).is_some_and(|s| s.wanted),
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
        self.current = Some(kind);
        Ok(Plan { size, keep })
    }

    /// Errors unless every storage the pickle names has arrived.
    fn check_storages(&self) -> Result<()> {
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
