//! The stdio transport: `Content-Length` framed JSON-RPC messages read from one stream and
//! written to another, each on a thread of its own, as `lsp_server` messages on channels.
//!
//! `lsp_server`'s own stdio transport ends the connection at the first message that is
//! not valid JSON; this one answers it with a JSON-RPC error (ParseError, or
//! InvalidRequest for valid JSON that is no message) and reads on.

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use lsp_server::{Connection, ErrorCode, Message};
use serde_json::{json, Value};

/// The threads of a transport. The writer ends once every sender of the connection is
/// dropped; the reader at the end of its input or after `exit`.
pub struct Threads {
    pub reader: JoinHandle<()>,
    pub writer: JoinHandle<()>,
}

/// The longest body read (a message with a whole file in it is far shorter); a longer
/// `Content-Length` is answered as a bad header rather than allocated.
const MAX_BODY: usize = 64 << 20;

/// One frame of the input.
enum Frame {
    Body(Vec<u8>),
    /// A header block without a usable `Content-Length`.
    BadHeader(String),
    End,
}

fn read_frame(input: &mut impl BufRead) -> Frame {
    let mut length: Option<usize> = None;
    let mut bad: Option<String> = None;
    let mut any = false;
    loop {
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => return Frame::End,
            Ok(_) => {}
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !any {
                continue;
            }
            break;
        }
        any = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {}
            None => bad = Some(format!("bad header line `{line}`")),
        }
    }
    match (length, bad) {
        (Some(n), None) if n > MAX_BODY => {
            Frame::BadHeader(format!("a body of {n} bytes is more than labc reads"))
        }
        (Some(n), None) => {
            let mut body = vec![0; n];
            match input.read_exact(&mut body) {
                Ok(()) => Frame::Body(body),
                Err(_) => Frame::End,
            }
        }
        (_, Some(why)) => Frame::BadHeader(why),
        (None, None) => Frame::BadHeader("no Content-Length header".to_string()),
    }
}

fn write_frame(output: &Mutex<impl Write>, body: &[u8]) -> std::io::Result<()> {
    let mut out = output.lock().unwrap_or_else(|e| e.into_inner());
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(body)?;
    out.flush()
}

fn error_frame(id: Value, code: ErrorCode, message: String) -> Vec<u8> {
    let doc = json!({
        "jsonrpc": "2.0",
        "id": id,
        "error": {"code": code as i32, "message": message},
    });
    doc.to_string().into_bytes()
}

/// A message of the body, or the error frame that answers it.
fn decode(body: &[u8]) -> Result<Message, Vec<u8>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| error_frame(Value::Null, ErrorCode::ParseError, format!("not JSON: {e}")))?;
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    serde_json::from_value(value).map_err(|e| {
        error_frame(
            id,
            ErrorCode::InvalidRequest,
            format!("not a JSON-RPC message: {e}"),
        )
    })
}

/// A connection over `input` and `output` (stdin and stdout for `labc lsp`).
pub fn connect<R, W>(mut input: R, output: W) -> (Connection, Threads)
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    let output = Arc::new(Mutex::new(output));
    let (to_server, from_client) = crossbeam_channel::unbounded::<Message>();
    let (to_client, from_server) = crossbeam_channel::unbounded::<Message>();
    let out = Arc::clone(&output);
    let writer = std::thread::spawn(move || {
        for message in from_server {
            let mut body = Vec::new();
            if message.write(&mut body).is_err() {
                continue;
            }
            // `Message::write` frames the message itself.
            let mut w = out.lock().unwrap_or_else(|e| e.into_inner());
            if w.write_all(&body).and_then(|()| w.flush()).is_err() {
                return;
            }
        }
    });
    let reader = std::thread::spawn(move || loop {
        let body = match read_frame(&mut input) {
            Frame::End => return,
            Frame::BadHeader(why) => {
                let frame = error_frame(Value::Null, ErrorCode::ParseError, why);
                if write_frame(&output, &frame).is_err() {
                    return;
                }
                continue;
            }
            Frame::Body(body) => body,
        };
        match decode(&body) {
            Ok(message) => {
                let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
                if to_server.send(message).is_err() || exit {
                    return;
                }
            }
            Err(frame) => {
                if write_frame(&output, &frame).is_err() {
                    return;
                }
            }
        }
    });
    let connection = Connection {
        sender: to_client,
        receiver: from_client,
    };
    (connection, Threads { reader, writer })
}
