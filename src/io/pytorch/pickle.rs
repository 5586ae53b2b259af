//! A restricted unpickler for the `data.pkl` of a `torch.save`d state dict. It knows only the
//! opcodes and globals a state dict is made of and builds plain data from them: a checkpoint
//! is never code, so any other global (`os.system`, `builtins.eval`, …) or opcode is an error
//! that names it. Values are immutable and reference-counted (a memo lookup is O(1)); a dict
//! is copied on write, within a budget, so no input costs more than linear time, and nesting
//! is capped so dropping a value never recurses deeply.

use crate::error::{Error, Result};
use safetensors::Dtype;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a tensor's bytes are: a storage (zip entry `data/{key}`) and a strided view of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TensorRecord {
    pub name: String,
    pub storage: Rc<StorageRecord>,
    /// In elements.
    pub offset: usize,
    pub shape: Vec<usize>,
    /// In elements.
    pub stride: Vec<usize>,
}

#[derive(Debug, PartialEq)]
pub struct StorageRecord {
    pub key: String,
    pub dtype: Dtype,
    /// Elements, as the persistent id declares them.
    pub numel: usize,
}

/// Deeper nesting than a state dict needs (tensor args inside the dict: 4) is refused.
const MAX_DEPTH: u32 = 32;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Global {
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    Storage(Dtype),
}

fn global(module: &str, name: &str) -> Result<Global> {
    Ok(match (module, name) {
        ("collections", "OrderedDict") => Global::OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2") => Global::RebuildTensorV2,
        ("torch._utils", "_rebuild_parameter") => Global::RebuildParameter,
        ("torch", "FloatStorage") => Global::Storage(Dtype::F32),
        ("torch", "HalfStorage") => Global::Storage(Dtype::F16),
        ("torch", "BFloat16Storage") => Global::Storage(Dtype::BF16),
        ("torch", "LongStorage") => Global::Storage(Dtype::I64),
        ("torch", n) if n.ends_with("Storage") => {
            return Err(bad(format!(
                "tensors of storage type `torch.{n}` are not supported (f32, f16, bf16 and \
                 int64 are)"
            )))
        }
        _ => {
            return Err(bad(format!(
                "the pickle calls `{module}.{name}`, which a state dict never needs: refused \
                 (gamjeong reads tensors from a checkpoint, never code)"
            )))
        }
    })
}

#[derive(Debug, Clone)]
enum Value {
    None,
    Bool,
    Int(i64),
    Str(Rc<str>),
    Tuple(Rc<[Value]>, u32),
    List(Rc<Vec<Value>>, u32),
    /// Keys and values alternating.
    Dict(Rc<Vec<Value>>, u32),
    Global(Global),
    Storage(Rc<StorageRecord>),
    Tensor(Rc<TensorRecord>),
}

impl Value {
    fn depth(&self) -> u32 {
        match self {
            Value::Tuple(_, d) | Value::List(_, d) | Value::Dict(_, d) => *d,
            _ => 0,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Value::None => "None",
            Value::Bool => "a bool",
            Value::Int(_) => "an int",
            Value::Str(_) => "a string",
            Value::Tuple(..) => "a tuple",
            Value::List(..) => "a list",
            Value::Dict(..) => "a dict",
            Value::Global(_) => "a class",
            Value::Storage(_) => "a storage",
            Value::Tensor(_) => "a tensor",
        }
    }
}

fn bad(msg: String) -> Error {
    Error::Pytorch(msg)
}

fn depth_of<'a>(items: impl Iterator<Item = &'a Value>) -> Result<u32> {
    let d = 1 + items.map(Value::depth).max().unwrap_or(0);
    if d > MAX_DEPTH {
        return Err(bad(format!(
            "the pickle nests values more than {MAX_DEPTH} deep"
        )));
    }
    Ok(d)
}

struct Machine<'a> {
    data: &'a [u8],
    pos: usize,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u32, Value>,
    /// Elements a copy-on-write dict may still copy: linear in the pickle's size.
    copy_budget: usize,
}

/// The tensors of the state dict pickled in `data`, in dict order. Entries that are not
/// tensors (none in a state dict) are an error naming the key.
pub fn parse_state_dict(data: &[u8]) -> Result<Vec<TensorRecord>> {
    let mut m = Machine {
        data,
        pos: 0,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        copy_budget: 4 * data.len() + 1024,
    };
    let top = m.run()?;
    let Value::Dict(items, _) = top else {
        return Err(bad(format!(
            "the pickle holds {}, not a state dict (a dict of tensors)",
            top.kind()
        )));
    };
    let mut out = Vec::with_capacity(items.len() / 2);
    for kv in items.chunks_exact(2) {
        let (k, v) = (&kv[0], &kv[1]);
        let Value::Str(name) = k else {
            return Err(bad(format!("the state dict has {} as a key", k.kind())));
        };
        let Value::Tensor(t) = v else {
            return Err(bad(format!(
                "`{name}` in the state dict is {}, not a tensor",
                v.kind()
            )));
        };
        let mut t = (**t).clone();
        t.name = name.to_string();
        out.push(t);
    }
    Ok(out)
}

impl Machine<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8]> {
        if self.data.len() - self.pos < n {
            return Err(bad("the pickle ends in the middle of an opcode".into()));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn line(&mut self) -> Result<String> {
        let rest = &self.data[self.pos..];
        let end = rest
            .iter()
            .take(256)
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("a GLOBAL name in the pickle is not terminated".into()))?;
        let s = String::from_utf8_lossy(&rest[..end]).into_owned();
        self.pos += end + 1;
        Ok(s)
    }

    fn string(&mut self, n: usize) -> Result<Value> {
        let b = self.take(n)?;
        let s = std::str::from_utf8(b).map_err(|_| bad("a pickled string is not UTF-8".into()))?;
        Ok(Value::Str(s.into()))
    }

    fn pop(&mut self) -> Result<Value> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(bad("the pickle pops past a MARK".into()));
        }
        self.stack
            .pop()
            .ok_or_else(|| bad("the pickle pops an empty stack".into()))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>> {
        let m = self
            .marks
            .pop()
            .ok_or_else(|| bad("the pickle has no MARK to pop to".into()))?;
        Ok(self.stack.split_off(m))
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn tuple(&mut self, items: Vec<Value>) -> Result<()> {
        let d = depth_of(items.iter())?;
        self.push(Value::Tuple(items.into(), d));
        Ok(())
    }

    fn top(&mut self) -> Result<&mut Value> {
        if self.marks.last().is_some_and(|&m| m >= self.stack.len()) {
            return Err(bad("the pickle reads past a MARK".into()));
        }
        self.stack
            .last_mut()
            .ok_or_else(|| bad("the pickle reads an empty stack".into()))
    }

    fn memo_get(&mut self, i: u32) -> Result<()> {
        let v = self
            .memo
            .get(&i)
            .cloned()
            .ok_or_else(|| bad(format!("the pickle reads memo slot {i} before writing it")))?;
        self.push(v);
        Ok(())
    }

    fn memo_put(&mut self, i: u32) -> Result<()> {
        let v = self.top()?.clone();
        self.memo.insert(i, v);
        Ok(())
    }

    /// Adds `values` to the list, or as key/value pairs to the dict, on top of the stack
    /// (copying it first if it is shared).
    fn extend_top(&mut self, values: Vec<Value>) -> Result<()> {
        let added = depth_of(values.iter())?;
        let mut budget = self.copy_budget;
        let top = self.top()?;
        let (Value::List(items, depth) | Value::Dict(items, depth)) = top else {
            return Err(bad(format!("the pickle adds items to {}", top.kind())));
        };
        if Rc::strong_count(items) > 1 {
            budget = budget
                .checked_sub(items.len())
                .ok_or_else(|| bad("the pickle copies its dicts and lists too often".into()))?;
        }
        Rc::make_mut(items).extend(values);
        *depth = (*depth).max(added);
        self.copy_budget = budget;
        Ok(())
    }

    fn set_items(&mut self, pairs: Vec<Value>) -> Result<()> {
        if !pairs.len().is_multiple_of(2) {
            return Err(bad("SETITEMS with an odd number of values".into()));
        }
        if !matches!(self.top()?, Value::Dict(..)) {
            return Err(bad("the pickle sets items on something not a dict".into()));
        }
        self.extend_top(pairs)
    }

    fn append(&mut self, values: Vec<Value>) -> Result<()> {
        if !matches!(self.top()?, Value::List(..)) {
            return Err(bad("the pickle appends to something not a list".into()));
        }
        self.extend_top(values)
    }

    fn run(&mut self) -> Result<Value> {
        loop {
            let at = self.pos;
            let op = self.u8()?;
            match op {
                0x80 => {
                    let proto = self.u8()?;
                    if proto > 5 {
                        return Err(bad(format!("pickle protocol {proto} is not supported")));
                    }
                }
                0x95 => {
                    self.take(8)?; // FRAME: a length hint
                }
                b'.' => {
                    let v = self.pop()?;
                    if !self.stack.is_empty() || !self.marks.is_empty() {
                        return Err(bad("the pickle stops with values left on its stack".into()));
                    }
                    return Ok(v);
                }
                b'(' => self.marks.push(self.stack.len()),
                b'N' => self.push(Value::None),
                0x88 | 0x89 => self.push(Value::Bool),
                b'K' => {
                    let v = self.u8()?;
                    self.push(Value::Int(v.into()))
                }
                b'M' => {
                    let v = self.u16()?;
                    self.push(Value::Int(v.into()))
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.push(Value::Int(v.into()))
                }
                0x8a => {
                    let n = self.u8()? as usize;
                    if n > 8 {
                        return Err(bad(format!("a {n}-byte integer in the pickle")));
                    }
                    let b = self.take(n)?;
                    let mut v = [if b.last().is_some_and(|&x| x & 0x80 != 0) {
                        0xff
                    } else {
                        0
                    }; 8];
                    v[..n].copy_from_slice(b);
                    self.push(Value::Int(i64::from_le_bytes(v)))
                }
                b'X' => {
                    let n = self.u32()? as usize;
                    let v = self.string(n)?;
                    self.push(v)
                }
                0x8c => {
                    let n = self.u8()? as usize;
                    let v = self.string(n)?;
                    self.push(v)
                }
                b')' => self.push(Value::Tuple(Rc::new([]), 1)),
                b't' => {
                    let items = self.pop_mark()?;
                    self.tuple(items)?
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.pop()?);
                    }
                    items.reverse();
                    self.tuple(items)?
                }
                b'}' => self.push(Value::Dict(Rc::new(Vec::new()), 1)),
                b']' => self.push(Value::List(Rc::new(Vec::new()), 1)),
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    self.set_items(vec![k, v])?
                }
                b'u' => {
                    let items = self.pop_mark()?;
                    self.set_items(items)?
                }
                b'a' => {
                    let v = self.pop()?;
                    self.append(vec![v])?
                }
                b'e' => {
                    let items = self.pop_mark()?;
                    self.append(items)?
                }
                b'q' => {
                    let i = self.u8()?;
                    self.memo_put(i.into())?
                }
                b'r' => {
                    let i = self.u32()?;
                    self.memo_put(i)?
                }
                0x94 => {
                    let i = u32::try_from(self.memo.len())
                        .map_err(|_| bad("too many memo slots".into()))?;
                    self.memo_put(i)?
                }
                b'h' => {
                    let i = self.u8()?;
                    self.memo_get(i.into())?
                }
                b'j' => {
                    let i = self.u32()?;
                    self.memo_get(i)?
                }
                b'c' => {
                    let module = self.line()?;
                    let name = self.line()?;
                    self.push(Value::Global(global(&module, &name)?))
                }
                0x93 => {
                    let name = self.pop()?;
                    let module = self.pop()?;
                    let (Value::Str(module), Value::Str(name)) = (module, name) else {
                        return Err(bad("STACK_GLOBAL without two strings".into()));
                    };
                    self.push(Value::Global(global(&module, &name)?))
                }
                b'Q' => {
                    let pid = self.pop()?;
                    let v = persistent_load(pid)?;
                    self.push(v)
                }
                b'R' => {
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    let v = reduce(callable, args)?;
                    self.push(v)
                }
                b'b' => {
                    // BUILD: object state. A state dict's `_metadata` (module versions) and a
                    // parameter's are not needed; the object stays as it is.
                    let _state = self.pop()?;
                    let top = self.top()?;
                    if !matches!(top, Value::Dict(..) | Value::Tensor(_)) {
                        return Err(bad(format!("the pickle sets the state of {}", top.kind())));
                    }
                }
                _ => {
                    return Err(bad(format!(
                        "pickle opcode 0x{op:02x} (at byte {at} of data.pkl) is not one a state \
                         dict uses: refused"
                    )))
                }
            }
        }
    }
}

fn usize_of(v: &Value, what: &str) -> Result<usize> {
    match v {
        Value::Int(i) => usize::try_from(*i).map_err(|_| bad(format!("{what} is negative: {i}"))),
        other => Err(bad(format!("{what} is {}, not an int", other.kind()))),
    }
}

fn usizes_of(v: &Value, what: &str) -> Result<Vec<usize>> {
    match v {
        Value::Tuple(items, _) => items.iter().map(|x| usize_of(x, what)).collect(),
        other => Err(bad(format!("{what} is {}, not a tuple", other.kind()))),
    }
}

/// `('storage', torch.XStorage, key, location, numel)` → the storage it names.
fn persistent_load(pid: Value) -> Result<Value> {
    let Value::Tuple(items, _) = &pid else {
        return Err(bad(format!("a persistent id is {}", pid.kind())));
    };
    match &items[..] {
        [Value::Str(tag), Value::Global(Global::Storage(dtype)), Value::Str(key), Value::Str(_location), numel]
            if &**tag == "storage" =>
        {
            Ok(Value::Storage(Rc::new(StorageRecord {
                key: key.to_string(),
                dtype: *dtype,
                numel: usize_of(numel, "a storage's size")?,
            })))
        }
        _ => Err(bad(
            "a persistent id is not ('storage', torch.<Type>Storage, key, location, size)".into(),
        )),
    }
}

fn reduce(callable: Value, args: Value) -> Result<Value> {
    let Value::Global(g) = callable else {
        return Err(bad(format!("the pickle calls {}", callable.kind())));
    };
    let Value::Tuple(args, _) = args else {
        return Err(bad(format!(
            "the pickle calls with {} as arguments",
            args.kind()
        )));
    };
    match (g, &args[..]) {
        (Global::OrderedDict, []) => Ok(Value::Dict(Rc::new(Vec::new()), 1)),
        // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
        (Global::RebuildTensorV2, [storage, offset, size, stride, _grad, _hooks, ..])
            if args.len() <= 7 =>
        {
            let Value::Storage(storage) = storage else {
                return Err(bad(format!("a tensor's storage is {}", storage.kind())));
            };
            let shape = usizes_of(size, "a tensor's size")?;
            let stride = usizes_of(stride, "a tensor's stride")?;
            if shape.len() != stride.len() {
                return Err(bad("a tensor's size and stride differ in length".into()));
            }
            Ok(Value::Tensor(Rc::new(TensorRecord {
                name: String::new(),
                storage: storage.clone(),
                offset: usize_of(offset, "a tensor's storage offset")?,
                shape,
                stride,
            })))
        }
        // (tensor, requires_grad, backward_hooks)
        (Global::RebuildParameter, [t @ Value::Tensor(_), _, _]) => Ok(t.clone()),
        (g, _) => Err(bad(format!(
            "the pickle calls {g:?} with {} unexpected arguments",
            args.len()
        ))),
    }
}
