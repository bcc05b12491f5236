//! Exports `test:files/probe` through Rust's std on wasm32-wasip2, so the
//! component imports WASI (cli, filesystem, sockets, ...) the way real guests do.
use std::io::{BufRead, Write};

wit_bindgen::generate!({
    path: "../wit/files.wit",
    inline: "package guest:wasi-files; world guest { export test:files/probe; }",
});

struct Guest;

impl exports::test::files::probe::Guest for Guest {
    fn read(path: String) -> Result<String, String> {
        std::fs::read_to_string(&path).map_err(|e| e.to_string())
    }

    fn write(path: String, contents: String) -> Result<(), String> {
        std::fs::write(&path, contents).map_err(|e| e.to_string())
    }

    fn env(key: String) -> Option<String> {
        std::env::var(key).ok()
    }

    fn args() -> Vec<String> {
        std::env::args().collect()
    }

    fn print(text: String) -> bool {
        let out = writeln!(std::io::stdout(), "{text}").and_then(|()| std::io::stdout().flush());
        let err = writeln!(std::io::stderr(), "{text}").and_then(|()| std::io::stderr().flush());
        out.is_ok() && err.is_ok()
    }

    fn connect(address: String) -> Result<String, String> {
        let stream = std::net::TcpStream::connect(&address).map_err(|e| e.to_string())?;
        let mut line = String::new();
        std::io::BufReader::new(stream).read_line(&mut line).map_err(|e| e.to_string())?;
        Ok(line.trim_end().to_string())
    }
}

export!(Guest);
