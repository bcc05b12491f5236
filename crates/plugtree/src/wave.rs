//! WAVE, a front end of its own: call text and values, read and written
//! against the WIT alone.
//!
//! A root call is written `pkg:ns/iface.func(wave-args…)`. Its arguments are
//! [WAVE](https://github.com/bytecodealliance/wasm-tools/tree/main/crates/wasm-wave),
//! parsed with the wasm-wave that wasmtime bundles: each parameter's
//! [`ValueType`] becomes a `wasm_wave::value::Type`, the call is type-checked
//! against those, and the parsed values become [`Val`]s. [`to_wave`] writes a
//! value back as WAVE.
//!
//! Nothing here needs a loaded tree: [`parse_call`] reads a [`Catalog`] (the
//! data of [`describe`](crate::describe)), so a call can be checked before
//! any component is compiled — on a built [`PluginTree`]
//! ([`PluginTree::parse_call`]) as well as on a loaded one
//! ([`LoadedTree::parse_call`](crate::LoadedTree::parse_call), which
//! delegates here).
//!
//! Every error carries the byte range of the call text it is about (when it is
//! about one place), always a valid range on `char` boundaries of that text, so
//! that a caret line can be drawn under it.

use std::ops::Range;

use wasm_wave::untyped::UntypedFuncCall;
use wasm_wave::value::{Type as WaveType, Value};
use wasm_wave::wasm::{WasmTypeKind, WasmValue};
use wasmtime::component::{Val, wasm_wave};

use crate::describe::{Catalog, Function, ValueType};
use crate::resolve::PluginTree;

/// A root call parsed from text: `pkg:ns/iface.func(wave-args…)`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedCall {
    /// The interface called (the root interface).
    pub interface: String,
    /// The function called, a function of the root interface.
    pub function: String,
    /// The arguments, type-checked against the function's parameters.
    pub args: Vec<Val>,
}

/// Why a call text cannot be turned into a [`ParsedCall`].
///
/// Every span is a byte range of the call text that lies on `char` boundaries.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallParseError {
    /// The text has no `(`: it is not a call.
    #[error("expected a call like 'pkg:ns/interface.function(args…)'")]
    NotACall {
        /// The empty range at the end of the text.
        span: Range<usize>,
    },
    /// Nothing of the form `interface.function` comes before the `(`.
    #[error("expected `interface.function` before `(`")]
    NoFunction {
        /// Everything before the `(`.
        span: Range<usize>,
    },
    /// The interface is not the root interface: only the root can be called.
    #[error("`{interface}` is not the root interface `{root}`")]
    NotRoot {
        /// The interface written in the call.
        interface: String,
        /// The tree's root interface.
        root: String,
        /// Where the interface is written.
        span: Range<usize>,
    },
    /// The root interface has no function of that name.
    #[error("`{interface}` has no function `{function}` (it has: {})", known.join(", "))]
    UnknownFunction {
        /// The root interface.
        interface: String,
        /// The function written in the call.
        function: String,
        /// The root interface's functions, in WIT order.
        known: Vec<String>,
        /// Where the function's name is written.
        span: Range<usize>,
    },
    /// A parameter's type has no WAVE form (maps, resources, futures, streams).
    #[error("parameter `{param}` of `{function}` has type `{ty}`, which WAVE cannot write")]
    UnwritableParam {
        /// The function.
        function: String,
        /// The parameter's name.
        param: String,
        /// The parameter's type.
        ty: Box<ValueType>,
    },
    /// The function is a resource's method: its `self` is a handle, which a
    /// call written as text cannot hold.
    #[error(
        "`{function}` is a method of `{resource}`: it needs a `{resource}` handle, which a call \
         written as text cannot hold (call it from the library with the handle a constructor returned)"
    )]
    Method {
        /// The method, as WIT names it: `[method]resource.name`.
        function: String,
        /// The resource.
        resource: String,
        /// Where the method's name is written.
        span: Range<usize>,
    },
    /// The arguments are not well-formed WAVE.
    #[error("invalid WAVE: {message}")]
    Syntax {
        /// wasm-wave's explanation, without its position.
        message: String,
        /// Where the problem is.
        span: Range<usize>,
    },
    /// The arguments are WAVE but do not fit the function's parameters.
    #[error("wrong arguments for `{function}({params})`: {message}")]
    Arguments {
        /// The function.
        function: String,
        /// The parameters as written in WIT, e.g. `a: u32, b: u32`.
        params: String,
        /// wasm-wave's explanation, without its position.
        message: String,
        /// The argument (or the place) that does not fit.
        span: Range<usize>,
    },
    /// A parsed argument has a type that cannot be passed to a plugin.
    #[error("an argument has a type plugtree cannot pass")]
    Unpassable,
    /// The root interface given to [`parse_call`] is not in its catalog (a
    /// [`PluginTree`]'s root always is).
    #[error("interface `{interface}` is not defined in the app's WIT")]
    UnknownInterface {
        /// The interface, as given and as written in the call.
        interface: String,
        /// Where the interface is written.
        span: Range<usize>,
    },
}

impl CallParseError {
    /// The byte range of the call text the error is about, if it is about one
    /// place; always on `char` boundaries of the text that was parsed.
    pub fn span(&self) -> Option<Range<usize>> {
        match self {
            CallParseError::NotACall { span }
            | CallParseError::NoFunction { span }
            | CallParseError::NotRoot { span, .. }
            | CallParseError::UnknownFunction { span, .. }
            | CallParseError::Method { span, .. }
            | CallParseError::Syntax { span, .. }
            | CallParseError::Arguments { span, .. }
            | CallParseError::UnknownInterface { span, .. } => Some(span.clone()),
            CallParseError::UnwritableParam { .. } | CallParseError::Unpassable => None,
        }
    }
}

impl ParsedCall {
    /// Splits `pkg:ns/iface.func(args…)` into the interface and the function's
    /// name, without looking at the arguments or at any tree: the name ends at
    /// the first `(`, the interface is everything before the last `.` ahead of
    /// it (so versions may contain dots).
    ///
    /// # Errors
    /// [`CallParseError::NotACall`] without a `(`, [`CallParseError::NoFunction`]
    /// without a `.` before it.
    pub fn split(text: &str) -> Result<(&str, &str), CallParseError> {
        let (interface, function) = split(text)?;
        Ok((&text[interface], &text[function]))
    }
}

impl PluginTree {
    /// Parses a call of a root function written as text,
    /// `pkg:ns/iface.func(wave-args…)`, checking its arguments against the
    /// function's WIT. The tree need not be loaded: nothing is compiled, so
    /// a bad call is found before [`PluginTree::load`] spends any time. The
    /// result can be passed to [`LoadedTree::dispatch`](crate::LoadedTree::dispatch)
    /// once the tree is loaded.
    ///
    /// # Errors
    /// [`CallParseError`], with the place in `text` it is about: not a call,
    /// not the root interface, an unknown function, invalid WAVE or arguments
    /// that do not fit the parameters.
    pub fn parse_call(&self, text: &str) -> Result<ParsedCall, CallParseError> {
        parse_call(self.catalog(), self.root(), text)
    }
}

/// Parses a call of a function of `root`, an interface of `catalog`, written
/// as text, `pkg:ns/iface.func(wave-args…)`, checking its arguments against
/// the function's WIT. Only `root` can be called: the interface in `text`
/// must be `root`.
///
/// # Errors
/// [`CallParseError`], with the place in `text` it is about: not a call,
/// another interface than `root`, `root` not in `catalog`
/// ([`CallParseError::UnknownInterface`]), an unknown function, invalid WAVE
/// or arguments that do not fit the parameters.
pub fn parse_call(catalog: &Catalog, root: &str, text: &str) -> Result<ParsedCall, CallParseError> {
    let (interface_span, name_span) = split(text)?;
    let interface = &text[interface_span.clone()];
    if interface != root {
        return Err(CallParseError::NotRoot {
            interface: interface.into(),
            root: root.into(),
            span: interface_span,
        });
    }
    let functions = catalog.get(root).map(|i| i.functions.as_slice()).ok_or_else(|| {
        CallParseError::UnknownInterface { interface: root.into(), span: interface_span.clone() }
    })?;
    parse_args(interface, functions, text, name_span)
}

/// A value in WAVE, e.g. `{name: "n", score: some(4)}`.
///
/// WAVE has no form for handles: a resource is written `<handle>` (a future,
/// stream or error context `<future>`, `<stream>`, `<error-context>`) in its
/// place, and a map as its list of pairs.
pub fn to_wave(value: &Val) -> String {
    // wasm-wave's writer panics on a handle (it does not answer an error),
    // so a value holding one never reaches it whole.
    if !needs_placeholder(value)
        && let Ok(text) = wasm_wave::to_string(value)
    {
        return text;
    }
    let mut out = String::new();
    write_val(value, &mut out);
    out
}

/// Whether `value` holds something WAVE has no form for.
fn needs_placeholder(value: &Val) -> bool {
    match value {
        Val::Resource(_) | Val::Future(_) | Val::Stream(_) | Val::ErrorContext(_) | Val::Map(_) => {
            true
        }
        Val::List(items) | Val::FixedLengthList(items) | Val::Tuple(items) => {
            items.iter().any(needs_placeholder)
        }
        Val::Record(fields) => fields.iter().any(|(_, v)| needs_placeholder(v)),
        Val::Variant(_, Some(v))
        | Val::Option(Some(v))
        | Val::Result(Ok(Some(v)) | Err(Some(v))) => needs_placeholder(v),
        _ => false,
    }
}

/// Writes `value` as WAVE, with placeholders where WAVE has no form.
fn write_val(value: &Val, out: &mut String) {
    let list = |items: &mut dyn Iterator<Item = &Val>, out: &mut String, open, close| {
        out.push_str(open);
        for (i, item) in items.enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            write_val(item, out);
        }
        out.push_str(close);
    };
    let payload = |name: &str, inner: &Option<Box<Val>>, out: &mut String| {
        out.push_str(name);
        if let Some(v) = inner {
            out.push('(');
            write_val(v, out);
            out.push(')');
        }
    };
    match value {
        Val::List(items) | Val::FixedLengthList(items) => list(&mut items.iter(), out, "[", "]"),
        Val::Tuple(items) => list(&mut items.iter(), out, "(", ")"),
        Val::Map(pairs) => {
            out.push('[');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                list(&mut [k, v].into_iter(), out, "(", ")");
            }
            out.push(']');
        }
        Val::Record(fields) => {
            out.push('{');
            for (i, (name, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(name);
                out.push_str(": ");
                write_val(v, out);
            }
            out.push('}');
        }
        Val::Variant(case, inner) => payload(case, inner, out),
        Val::Option(None) => out.push_str("none"),
        Val::Option(inner @ Some(_)) => payload("some", inner, out),
        Val::Result(Ok(inner)) => payload("ok", inner, out),
        Val::Result(Err(inner)) => payload("err", inner, out),
        Val::Resource(_) => out.push_str("<handle>"),
        Val::Future(_) => out.push_str("<future>"),
        Val::Stream(_) => out.push_str("<stream>"),
        Val::ErrorContext(_) => out.push_str("<error-context>"),
        leaf => match wasm_wave::to_string(leaf) {
            Ok(text) => out.push_str(&text),
            Err(_) => out.push_str(&format!("{leaf:?}")),
        },
    }
}

/// Byte ranges of the interface and of the function's name in `text`.
///
/// A resource's functions keep their WIT names, which hold a `.` of their own
/// (`[method]counter.get`): when a `[` comes before the `(`, the name starts
/// there and the interface ends at the `.` just before it.
fn split(text: &str) -> Result<(Range<usize>, Range<usize>), CallParseError> {
    let open = text.find('(').ok_or(CallParseError::NotACall { span: text.len()..text.len() })?;
    let dot = match text[..open].find('[') {
        Some(bracket) => text[..bracket]
            .strip_suffix('.')
            .map(str::len)
            .ok_or(CallParseError::NoFunction { span: 0..open })?,
        None => text[..open].rfind('.').ok_or(CallParseError::NoFunction { span: 0..open })?,
    };
    Ok((0..dot, dot + 1..open))
}

/// Parses the rest of `text`, a call of `interface` whose function's name is
/// at `name_span`, as a call of one of `functions`, the interface's functions.
fn parse_args(
    interface: &str,
    functions: &[Function],
    text: &str,
    name_span: Range<usize>,
) -> Result<ParsedCall, CallParseError> {
    let name = &text[name_span.clone()];
    let f = functions.iter().find(|f| f.name == name).ok_or_else(|| {
        CallParseError::UnknownFunction {
            interface: interface.into(),
            function: name.into(),
            known: functions.iter().map(|f| f.name.clone()).collect(),
            span: name_span.clone(),
        }
    })?;
    if let Some((_, ValueType::Borrow(resource))) =
        f.signature.params.first().filter(|_| name.starts_with("[method]"))
    {
        return Err(CallParseError::Method {
            function: name.into(),
            resource: resource.name.clone(),
            span: name_span,
        });
    }
    let types = f
        .signature
        .params
        .iter()
        .map(|(param, ty)| {
            wave_type(ty).ok_or_else(|| CallParseError::UnwritableParam {
                function: name.into(),
                param: param.clone(),
                ty: Box::new(ty.clone()),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // wasm-wave sees `f(args…)`, `f` standing for the name (a resource
    // function's `[…]` is no WAVE identifier): its spans are offset by the rest.
    // The newline ends a trailing `//` comment, which wasm-wave's lexer
    // (0.261) panics on at the end of its input.
    let offset = name_span.end - 1;
    let source = format!("f{}\n", &text[name_span.end..]);
    let span = |e: &wasm_wave::parser::ParserError| {
        let s = e.span();
        char_span(text, s.start.saturating_add(offset)..s.end.saturating_add(offset))
    };
    let parsed = UntypedFuncCall::parse(&source)
        .map_err(|e| CallParseError::Syntax { message: wave_error(&e), span: span(&e) })?;
    let values: Vec<Value> =
        parsed.to_wasm_params(types.iter()).map_err(|e| CallParseError::Arguments {
            function: name.into(),
            params: f
                .signature
                .params
                .iter()
                .map(|(n, t)| format!("{n}: {t}"))
                .collect::<Vec<_>>()
                .join(", "),
            message: wave_error(&e),
            span: span(&e),
        })?;
    let args =
        values.iter().map(to_val).collect::<Option<Vec<_>>>().ok_or(CallParseError::Unpassable)?;
    Ok(ParsedCall { interface: interface.into(), function: name.into(), args })
}

/// `span` made a valid range of `text` on `char` boundaries: clamped to the
/// text, the start moved back and the end moved forward to a boundary.
fn char_span(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// A WAVE parser error without its byte span (the span says where).
fn wave_error(e: &wasm_wave::parser::ParserError) -> String {
    let kind = e.kind().to_string();
    match std::error::Error::source(e)
        .map(ToString::to_string)
        .or_else(|| e.detail().map(String::from))
    {
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
        ValueType::Record(fields) => WaveType::record(
            fields
                .iter()
                .map(|(n, t)| Some((n.as_str(), wave_type(t)?)))
                .collect::<Option<Vec<_>>>()?,
        )?,
        ValueType::Tuple(types) => {
            WaveType::tuple(types.iter().map(wave_type).collect::<Option<Vec<_>>>()?)?
        }
        ValueType::Variant(cases) => WaveType::variant(
            cases
                .iter()
                .map(|(n, t)| Some((n.as_str(), inner(t.as_ref(), wave_type)?)))
                .collect::<Option<Vec<_>>>()?,
        )?,
        ValueType::Enum(cases) => WaveType::enum_ty(cases.iter().map(String::as_str))?,
        ValueType::Flags(flags) => WaveType::flags(flags.iter().map(String::as_str))?,
        ValueType::Option(t) => WaveType::option(wave_type(t)?),
        ValueType::Result { ok, err } => {
            WaveType::result(inner(ok.as_deref(), wave_type)?, inner(err.as_deref(), wave_type)?)
        }
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
fn inner<T: ?Sized, U>(
    payload: Option<&T>,
    convert: impl Fn(&T) -> Option<U>,
) -> Option<Option<U>> {
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
        WasmTypeKind::List => {
            Val::List(value.unwrap_list().map(|v| to_val(&v)).collect::<Option<_>>()?)
        }
        // wasm-wave 0.254 neither parses nor builds fixed-length lists
        // (`to_wasm_params` answers "unsupported type"): none can reach here.
        WasmTypeKind::Record => Val::Record(
            value
                .unwrap_record()
                .map(|(n, v)| Some((n.into_owned(), to_val(&v)?)))
                .collect::<Option<_>>()?,
        ),
        WasmTypeKind::Tuple => {
            Val::Tuple(value.unwrap_tuple().map(|v| to_val(&v)).collect::<Option<_>>()?)
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    const WIT: &str = "package t:app;\n\
        interface calc {\n\
            record entry { name: string, score: option<u32> }\n\
            variant shape { circle(f64), empty }\n\
            enum color { red, green }\n\
            flags perms { read, write }\n\
            add: func(a: u32, b: u32) -> u32;\n\
            echo: func(s: string) -> string;\n\
            tag: func(e: entry) -> entry;\n\
            area: func(s: shape) -> f64;\n\
            paint: func(c: color, p: perms, n: option<s8>) -> result<char, string>;\n\
            nothing: func();\n\
            pair: func(t: tuple<u8, list<bool>>);\n\
            measure: func(m: map<string, u32>);\n\
        }\n";
    const ROOT: &str = "t:app/calc";

    fn catalog() -> Catalog {
        Catalog::from_wit_text("t.wit", WIT).expect("valid WIT")
    }

    fn parse(text: &str) -> Result<ParsedCall, CallParseError> {
        let result = parse_call(&catalog(), ROOT, text);
        if let Err(e) = &result
            && let Some(span) = e.span()
        {
            assert!(
                text.get(span.clone()).is_some(),
                "span {span:?} of {e} is not a char range of {text:?}"
            );
        }
        result
    }

    fn args(text: &str) -> Vec<Val> {
        let call = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(call.interface, ROOT);
        call.args
    }

    fn some(v: Val) -> Val {
        Val::Option(Some(Box::new(v)))
    }

    #[test]
    fn parses_every_kind_of_argument() {
        let call = parse("t:app/calc.add(40, 2)").unwrap();
        assert_eq!(
            call,
            ParsedCall {
                interface: ROOT.into(),
                function: "add".into(),
                args: vec![Val::U32(40), Val::U32(2)]
            }
        );
        assert_eq!(args("t:app/calc.echo(\"héllo 👋\")"), [Val::String("héllo 👋".into())]);
        assert_eq!(
            args("t:app/calc.tag({name: \"n\", score: some(4)})"),
            [Val::Record(vec![
                ("name".into(), Val::String("n".into())),
                ("score".into(), some(Val::U32(4)))
            ])]
        );
        // A missing optional field is `none`.
        assert_eq!(
            args("t:app/calc.tag({name: \"n\"})"),
            [Val::Record(vec![
                ("name".into(), Val::String("n".into())),
                ("score".into(), Val::Option(None))
            ])]
        );
        assert_eq!(
            args("t:app/calc.area(circle(2.5))"),
            [Val::Variant("circle".into(), Some(Box::new(Val::Float64(2.5))))]
        );
        assert_eq!(args("t:app/calc.area(empty)"), [Val::Variant("empty".into(), None)]);
        assert_eq!(
            args("t:app/calc.paint(green, {read, write}, some(-3))"),
            [
                Val::Enum("green".into()),
                Val::Flags(vec!["read".into(), "write".into()]),
                some(Val::S8(-3))
            ]
        );
        // A trailing optional parameter may be left out.
        assert_eq!(args("t:app/calc.paint(red, {})")[2], Val::Option(None));
        assert_eq!(args("t:app/calc.nothing()"), []);
        assert_eq!(
            args("t:app/calc.pair((7, [true, false]))"),
            [Val::Tuple(vec![Val::U8(7), Val::List(vec![Val::Bool(true), Val::Bool(false)])])]
        );
    }

    #[test]
    fn split_finds_interface_and_function() {
        assert_eq!(ParsedCall::split("a:b/c@1.0.0.f(1)").unwrap(), ("a:b/c@1.0.0", "f"));
        assert_eq!(ParsedCall::split("run").unwrap_err(), CallParseError::NotACall { span: 3..3 });
        assert_eq!(
            ParsedCall::split("run()").unwrap_err(),
            CallParseError::NoFunction { span: 0..3 }
        );
    }

    #[test]
    fn resource_functions_are_called_by_their_wit_names() {
        const RES: &str = "package t:app@1.0.0;\n\
            interface store {\n\
                resource counter {\n\
                    constructor(start: u32);\n\
                    get: func() -> u32;\n\
                    live: static func() -> u32;\n\
                }\n\
            }\n";
        let catalog = Catalog::from_wit_text("r.wit", RES).expect("valid WIT");
        let root = "t:app/store@1.0.0";
        let parse = |text| parse_call(&catalog, root, text);
        assert_eq!(
            ParsedCall::split("t:app/store@1.0.0.[method]counter.get()").unwrap(),
            (root, "[method]counter.get")
        );
        let call = parse("t:app/store@1.0.0.[constructor]counter(5)").unwrap();
        assert_eq!(
            (call.function.as_str(), call.args),
            ("[constructor]counter", vec![Val::U32(5)])
        );
        let call = parse("t:app/store@1.0.0.[static]counter.live()").unwrap();
        assert_eq!((call.function.as_str(), call.args), ("[static]counter.live", vec![]));

        let text = "t:app/store@1.0.0.[method]counter.get()";
        let e = parse(text).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "`[method]counter.get` is a method of `counter`: it needs a `counter` handle"
            ),
            "{e}"
        );
        assert_eq!(&text[e.span().unwrap()], "[method]counter.get");
        // Argument errors still point into the text.
        let text = "t:app/store@1.0.0.[constructor]counter(\"x\")";
        let e = parse(text).unwrap_err();
        assert_eq!(&text[e.span().unwrap()], "\"x\"");
        // The `[` must follow the interface's `.`.
        assert!(matches!(
            ParsedCall::split("t:app/store[constructor]counter()"),
            Err(CallParseError::NoFunction { .. })
        ));
    }

    #[test]
    fn a_comment_at_the_end_of_a_call_is_a_syntax_error_not_a_panic() {
        // Found by the wave_calls fuzz target (wasm-wave's lexer unwrapped a
        // missing newline after `//`).
        let e = parse("t:app/calc.add(//").unwrap_err();
        assert!(matches!(e, CallParseError::Syntax { .. }), "{e:?}");
        assert_eq!(parse("t:app/calc.add(1, 2) // sum").unwrap().args, [Val::U32(1), Val::U32(2)]);
    }

    #[test]
    fn errors_say_what_and_where() {
        let text = "t:app/other.add(1, 2)";
        let e = parse(text).unwrap_err();
        assert_eq!(e.to_string(), "`t:app/other` is not the root interface `t:app/calc`");
        assert_eq!(e.span(), Some(0..11));

        let text = "t:app/calc.sub(1, 2)";
        let e = parse(text).unwrap_err();
        assert_eq!(
            e.to_string(),
            "`t:app/calc` has no function `sub` (it has: add, echo, tag, area, paint, nothing, pair, measure)"
        );
        assert_eq!(&text[e.span().unwrap()], "sub");

        let text = "t:app/calc.echo(\"a\"";
        let e = parse(text).unwrap_err();
        assert_eq!(e.to_string(), "invalid WAVE: unexpected end of input");
        assert!(matches!(e, CallParseError::Syntax { .. }));

        let text = "t:app/calc.echo(42)";
        let e = parse(text).unwrap_err();
        assert_eq!(e.to_string(), "wrong arguments for `echo(s: string)`: invalid value type");
        assert_eq!(&text[e.span().unwrap()], "42");

        let text = "t:app/calc.add(1)";
        let e = parse(text).unwrap_err();
        assert!(e.to_string().contains("missing required param(s)"), "{e}");

        let text = "t:app/calc.add(1, 2, 3)";
        let e = parse(text).unwrap_err();
        assert!(e.to_string().contains("more param(s) than expected"), "{e}");
        assert_eq!(&text[e.span().unwrap()], "3");

        let e = parse("t:app/calc.add(300000000000, 1)").unwrap_err();
        assert!(matches!(e, CallParseError::Arguments { .. }), "{e}");

        let e = parse("t:app/calc.measure([])").unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter `m` of `measure` has type `map<string, u32>`, which WAVE cannot write"
        );
        assert_eq!(e.span(), None);
    }

    #[test]
    fn spans_stay_on_char_boundaries() {
        // Multi-byte text everywhere a span can point; `parse` checks each span.
        for text in [
            "t:app/calc.echo(\"é\" 👋)",
            "t:app/calc.echo(👋)",
            "t:app/calc.add(1, é)",
            "t:app/calc.paint(grëen, {})",
            "é.👋(",
            "👋",
            "t:app/calc.é(1)",
            "t:app/calc.echo('é')",
            "t:app/calc.echo(\"é\u{0}\", 'é')",
            "",
            "(",
            ".(",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
        // Spans inside a character, past the end, and reversed (as a parser may report).
        #[allow(clippy::reversed_empty_ranges)]
        let spans = [(" é", 0..3), ("aé", 2..2), ("aé", 2..9), ("aé", 5..1)];
        for (text, span) in spans {
            let got = char_span(text, span.clone());
            assert!(text.get(got.clone()).is_some(), "{text:?} {span:?} → {got:?}");
        }
    }

    #[test]
    fn a_root_missing_from_the_catalog_is_named() {
        let text = "t:app/gone.add(1, 2)";
        let e = parse_call(&catalog(), "t:app/gone", text).unwrap_err();
        assert_eq!(e.to_string(), "interface `t:app/gone` is not defined in the app's WIT");
        assert_eq!(&text[e.span().unwrap()], "t:app/gone");
        // Another interface than the root is refused first, whatever the catalog holds.
        assert!(matches!(
            parse_call(&catalog(), "t:app/gone", "t:app/calc.add(1, 2)"),
            Err(CallParseError::NotRoot { .. })
        ));
    }

    #[test]
    fn built_tree_parses_calls_without_being_loaded() {
        // Built, never loaded: no engine, nothing compiled. The root has no
        // provider (an unsatisfied root is a build error, not a parse one).
        let (tree, _unsatisfied) =
            PluginTree::builder().wit_text("t.wit", WIT).root(ROOT).build().expect("valid WIT");
        let call = tree.parse_call("t:app/calc.tag({name: \"n\"})").expect("a good call");
        assert_eq!(call, parse("t:app/calc.tag({name: \"n\"})").unwrap());
        assert_eq!(
            call,
            ParsedCall {
                interface: ROOT.into(),
                function: "tag".into(),
                args: vec![Val::Record(vec![
                    ("name".into(), Val::String("n".into())),
                    ("score".into(), Val::Option(None))
                ])]
            }
        );
        let text = "t:app/calc.add(1, \"2\")";
        let e = tree.parse_call(text).unwrap_err();
        assert_eq!(e.to_string(), "wrong arguments for `add(a: u32, b: u32)`: invalid value type");
        assert_eq!(&text[e.span().unwrap()], "\"2\"");
        assert_eq!(
            tree.parse_call("t:app/other.add(1, 2)").unwrap_err().to_string(),
            "`t:app/other` is not the root interface `t:app/calc`"
        );
    }

    #[test]
    fn to_wave_writes_values() {
        assert_eq!(to_wave(&Val::String("a\"b".into())), "\"a\\\"b\"");
        assert_eq!(to_wave(&some(Val::U32(4))), "some(4)");
    }

    #[test]
    fn to_wave_writes_a_handle_anywhere_as_a_placeholder() {
        struct Counter;
        let engine = wasmtime::Engine::default();
        let mut store = wasmtime::Store::new(&engine, ());
        let own = wasmtime::component::Resource::<Counter>::new_own(7);
        let handle = wasmtime::component::ResourceAny::try_from_resource(own, &mut store)
            .expect("a host resource converts");
        let value = Val::Record(vec![
            ("label".into(), Val::String("c".into())),
            ("extra".into(), Val::List(vec![Val::Resource(handle), Val::Resource(handle)])),
            ("maybe".into(), some(Val::Resource(handle))),
        ]);
        assert_eq!(
            to_wave(&value),
            "{label: \"c\", extra: [<handle>, <handle>], maybe: some(<handle>)}"
        );
        assert_eq!(to_wave(&Val::Resource(handle)), "<handle>");
    }
}
