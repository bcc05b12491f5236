//! `plugtree call`: call a root function with WAVE arguments, print WAVE results.
//!
//! Arguments are parsed with the wasm-wave that wasmtime bundles: each root
//! parameter's [`ValueType`] becomes a `wasm_wave::value::Type`, the call is
//! type-checked against those, and the parsed values become [`Val`]s.

use std::path::Path;

use plugtree::dispatch::Answer;
use plugtree::{Socket, Val, ValueType};
use wasmtime::component::wasm_wave;
use wasm_wave::untyped::UntypedFuncCall;
use wasm_wave::value::{Type as WaveType, Value};
use wasm_wave::wasm::{WasmTypeKind, WasmValue};

use super::{Problem, Status};

/// The JSON report of `plugtree call --json`.
#[derive(Debug, serde::Serialize)]
struct Report {
    /// The interface and function called.
    interface: String,
    function: String,
    /// One entry per root plugin that was called, in declaration order.
    results: Vec<PluginResult>,
    /// Build and load errors of the tree (plugins left out of the call).
    warnings: Vec<Problem>,
}

#[derive(Debug, serde::Serialize)]
struct PluginResult {
    plugin: String,
    /// The result in WAVE; absent for a function without a result or on error.
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// A call that cannot be made, with the position in the call text it is about.
struct BadCall {
    message: String,
    span: Option<std::ops::Range<usize>>,
}

impl BadCall {
    fn new(message: impl Into<String>) -> Self {
        BadCall { message: message.into(), span: None }
    }

    /// Prints the message and, under the call text, a caret line at the problem.
    fn eprint(&self, call: &str) {
        eprintln!("error: {}", self.message);
        if let Some(span) = &self.span {
            let start = call[..span.start.min(call.len())].chars().count();
            let width = call.get(span.clone()).map_or(1, |s| s.chars().count().max(1));
            eprintln!("  {call}");
            eprintln!("  {}{}", " ".repeat(start), "^".repeat(width));
        }
    }
}

/// Runs `plugtree call`.
pub fn run(manifest: &Path, call: &str, json: bool) -> Status {
    let (interface, function) = match split_call(call) {
        Ok(parts) => parts,
        Err(bad) => {
            bad.eprint(call);
            return Status::Failed;
        }
    };
    let loaded = match super::load(manifest) {
        Ok(loaded) => loaded,
        Err(problem) => {
            problem.eprint("error");
            return Status::Failed;
        }
    };
    if !json {
        for problem in &loaded.problems {
            eprintln!("warning: {}", super::indent(&problem.message, ""));
        }
    }
    let args = match arguments(&loaded.tree, call, interface, function.clone()) {
        Ok(args) => args,
        Err(bad) => {
            bad.eprint(call);
            return Status::Failed;
        }
    };
    let name = &call[function.clone()];
    let answers = match loaded.tree.dispatch(interface, name, &args) {
        Ok(answers) => answers,
        Err(e) => {
            eprintln!("error: {e}");
            return Status::Failed;
        }
    };
    let results: Vec<PluginResult> = answers_by_plugin(&loaded.tree, answers).into_iter().map(to_result).collect();
    let status = if results.iter().any(|r| r.error.is_some()) { Status::Partial } else { Status::Ok };
    if json {
        super::print_json(&Report {
            interface: interface.to_string(),
            function: name.to_string(),
            results,
            warnings: loaded.problems,
        });
    } else {
        for r in results {
            match (r.value, r.error) {
                (_, Some(error)) => println!("{}: error: {error}", r.plugin),
                (Some(value), None) => println!("{}: {value}", r.plugin),
                (None, None) => println!("{}: ok", r.plugin),
            }
        }
    }
    status
}

/// Splits `pkg:ns/iface.func(args…)` into the interface and the byte range of
/// the function's name (the name ends at the first `(`; the interface is
/// everything before the last `.` ahead of it, so versions may contain dots).
fn split_call(call: &str) -> Result<(&str, std::ops::Range<usize>), BadCall> {
    let open = call.find('(').ok_or_else(|| BadCall {
        message: "expected a call like 'pkg:ns/interface.function(args…)'".into(),
        span: Some(call.len()..call.len()),
    })?;
    let dot = call[..open].rfind('.').ok_or_else(|| BadCall {
        message: "expected `interface.function` before `(`".into(),
        span: Some(0..open),
    })?;
    Ok((&call[..dot], dot + 1..open))
}

/// Parses the call's WAVE arguments against the root function's parameter types.
fn arguments(tree: &plugtree::LoadedTree, call: &str, interface: &str, function: std::ops::Range<usize>) -> Result<Vec<Val>, BadCall> {
    let root = tree.tree().root();
    if interface != root {
        return Err(BadCall { message: format!("`{interface}` is not the root interface `{root}`"), span: Some(0..interface.len()) });
    }
    let name = &call[function.clone()];
    let f = tree.root_functions().iter().find(|f| f.name == name).ok_or_else(|| {
        let known: Vec<&str> = tree.root_functions().iter().map(|f| f.name.as_str()).collect();
        BadCall {
            message: format!("`{interface}` has no function `{name}` (it has: {})", known.join(", ")),
            span: Some(function.clone()),
        }
    })?;
    let types = f
        .signature
        .params
        .iter()
        .map(|(param, ty)| wave_type(ty).ok_or_else(|| BadCall::new(format!("parameter `{param}` of `{name}` has type `{ty}`, which WAVE cannot write"))))
        .collect::<Result<Vec<_>, _>>()?;
    // The untyped parser sees `function(args…)`: spans are offset by the interface.
    let offset = function.start;
    let source = &call[offset..];
    let parsed = UntypedFuncCall::parse(source).map_err(|e| BadCall {
        message: format!("invalid WAVE: {}", wave_error(&e)),
        span: Some(e.span().start + offset..e.span().end + offset),
    })?;
    let values: Vec<Value> = parsed.to_wasm_params(types.iter()).map_err(|e| {
        let params: Vec<String> = f.signature.params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
        BadCall {
            message: format!("wrong arguments for `{name}({})`: {}", params.join(", "), wave_error(&e)),
            span: Some(e.span().start + offset..e.span().end + offset),
        }
    })?;
    values.iter().map(to_val).collect::<Option<Vec<_>>>().ok_or_else(|| BadCall::new("an argument has a type plugtree cannot pass"))
}

/// A WAVE parser error without its byte span (the caret line shows where).
fn wave_error(e: &wasm_wave::parser::ParserError) -> String {
    let kind = e.kind().to_string();
    match std::error::Error::source(e).map(ToString::to_string).or_else(|| e.detail().map(String::from)) {
        Some(detail) => format!("{kind}: {detail}"),
        None => kind,
    }
}

/// The WAVE type of a value type; `None` for types WAVE cannot write (maps, handles).
fn wave_type(ty: &ValueType) -> Option<WaveType> {
    let simple = |kind| WaveType::simple(kind);
    Some(match ty {
        ValueType::Bool => simple(WasmTypeKind::Bool)?,
        ValueType::S8 => simple(WasmTypeKind::S8)?,
        ValueType::U8 => simple(WasmTypeKind::U8)?,
        ValueType::S16 => simple(WasmTypeKind::S16)?,
        ValueType::U16 => simple(WasmTypeKind::U16)?,
        ValueType::S32 => simple(WasmTypeKind::S32)?,
        ValueType::U32 => simple(WasmTypeKind::U32)?,
        ValueType::S64 => simple(WasmTypeKind::S64)?,
        ValueType::U64 => simple(WasmTypeKind::U64)?,
        ValueType::F32 => simple(WasmTypeKind::F32)?,
        ValueType::F64 => simple(WasmTypeKind::F64)?,
        ValueType::Char => simple(WasmTypeKind::Char)?,
        ValueType::String => simple(WasmTypeKind::String)?,
        ValueType::List(t) => WaveType::list(wave_type(t)?),
        ValueType::FixedList(t, n) => WaveType::fixed_length_list(wave_type(t)?, *n),
        ValueType::Record(fields) => {
            WaveType::record(fields.iter().map(|(n, t)| Some((n.as_str(), wave_type(t)?))).collect::<Option<Vec<_>>>()?)?
        }
        ValueType::Tuple(types) => WaveType::tuple(types.iter().map(wave_type).collect::<Option<Vec<_>>>()?)?,
        ValueType::Variant(cases) => WaveType::variant(
            cases
                .iter()
                .map(|(n, t)| Some((n.as_str(), inner(t.as_ref(), wave_type)?)))
                .collect::<Option<Vec<_>>>()?,
        )?,
        ValueType::Enum(cases) => WaveType::enum_ty(cases.iter().map(String::as_str))?,
        ValueType::Flags(flags) => WaveType::flags(flags.iter().map(String::as_str))?,
        ValueType::Option(t) => WaveType::option(wave_type(t)?),
        ValueType::Result { ok, err } => WaveType::result(
            inner(ok.as_deref(), wave_type)?,
            inner(err.as_deref(), wave_type)?,
        ),
        ValueType::Map(..)
        | ValueType::Own(_)
        | ValueType::Borrow(_)
        | ValueType::Future(_)
        | ValueType::Stream(_)
        | ValueType::ErrorContext => return None,
    })
}

/// Converts an optional payload: `Some(None)` when there is none, `None` when
/// the conversion fails.
fn inner<T: ?Sized, U>(payload: Option<&T>, convert: impl Fn(&T) -> Option<U>) -> Option<Option<U>> {
    match payload {
        None => Some(None),
        Some(t) => convert(t).map(Some),
    }
}

/// A parsed WAVE value as a wasmtime value.
fn to_val(value: &Value) -> Option<Val> {
    let boxed = |v: &Value| to_val(v).map(Box::new);
    Some(match value.kind() {
        WasmTypeKind::Bool => Val::Bool(value.unwrap_bool()),
        WasmTypeKind::S8 => Val::S8(value.unwrap_s8()),
        WasmTypeKind::S16 => Val::S16(value.unwrap_s16()),
        WasmTypeKind::S32 => Val::S32(value.unwrap_s32()),
        WasmTypeKind::S64 => Val::S64(value.unwrap_s64()),
        WasmTypeKind::U8 => Val::U8(value.unwrap_u8()),
        WasmTypeKind::U16 => Val::U16(value.unwrap_u16()),
        WasmTypeKind::U32 => Val::U32(value.unwrap_u32()),
        WasmTypeKind::U64 => Val::U64(value.unwrap_u64()),
        WasmTypeKind::F32 => Val::Float32(value.unwrap_f32()),
        WasmTypeKind::F64 => Val::Float64(value.unwrap_f64()),
        WasmTypeKind::Char => Val::Char(value.unwrap_char()),
        WasmTypeKind::String => Val::String(value.unwrap_string().into_owned()),
        WasmTypeKind::List => Val::List(value.unwrap_list().map(|v| to_val(&v)).collect::<Option<_>>()?),
        WasmTypeKind::FixedLengthList => Val::FixedLengthList(value.unwrap_list().map(|v| to_val(&v)).collect::<Option<_>>()?),
        WasmTypeKind::Record => Val::Record(
            value.unwrap_record().map(|(n, v)| Some((n.into_owned(), to_val(&v)?))).collect::<Option<_>>()?,
        ),
        WasmTypeKind::Tuple => Val::Tuple(value.unwrap_tuple().map(|v| to_val(&v)).collect::<Option<_>>()?),
        WasmTypeKind::Variant => {
            let (case, payload) = value.unwrap_variant();
            Val::Variant(case.into_owned(), inner(payload.as_deref(), boxed)?)
        }
        WasmTypeKind::Enum => Val::Enum(value.unwrap_enum().into_owned()),
        WasmTypeKind::Option => Val::Option(inner(value.unwrap_option().as_deref(), boxed)?),
        WasmTypeKind::Result => Val::Result(match value.unwrap_result() {
            Ok(v) => Ok(inner(v.as_deref(), boxed)?),
            Err(v) => Err(inner(v.as_deref(), boxed)?),
        }),
        WasmTypeKind::Flags => Val::Flags(value.unwrap_flags().map(|f| f.into_owned()).collect()),
        _ => return None,
    })
}

/// Every answer with the plugin it came from.
fn answers_by_plugin(tree: &plugtree::LoadedTree, answers: Socket<Answer>) -> Vec<(String, Answer)> {
    answers.into_vec(tree.root_providers().cloned()).into_iter().map(|(id, a)| (id.to_string(), a)).collect()
}

fn to_result((plugin, answer): (String, Answer)) -> PluginResult {
    match answer {
        Ok(value) => PluginResult { plugin, value: value.as_ref().map(wave), error: None },
        Err(e) => PluginResult { plugin, value: None, error: Some(e.to_string()) },
    }
}

/// A value in WAVE (wasmtime's `Val` implements wasm-wave's `WasmValue`).
fn wave(value: &Val) -> String {
    wasm_wave::to_string(value).unwrap_or_else(|_| format!("{value:?}"))
}
