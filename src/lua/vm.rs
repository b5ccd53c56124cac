//! One Lua state with herald's sandbox and limits, and the compiled scripts that live in it.
//!
//! herald embeds LuaJIT (in interpreter mode): it is Lua 5.1 where versions differ (`table.getn`,
//! `unpack`, `setfenv`, numbers printed without `.0`) and understands `goto`, which is exactly the
//! dialect Argo CD's gopher-lua scripts are written in. The JIT compiler stays off: compiled traces
//! skip the instruction-count hook that enforces the time limit, and health scripts are too short
//! for tracing to pay off.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use mlua::chunk::ChunkMode;
use mlua::{Function, HookTriggers, Lua, LuaOptions, StdLib, Table, VmState};
use serde_json::Value;

use super::{convert, pattern};

/// The limits one evaluation runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time one evaluation may take.
    pub time: Duration,
    /// Memory one Lua state may hold, in bytes.
    pub memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            time: Duration::from_secs(1),
            memory: 16 << 20,
        }
    }
}

/// What a state's scripts may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// herald's own checks: the standard libraries (without `io` and the module system).
    Shipped,
    /// Checks written by users: base, `table`, `string`, `math`, `os.time` and `os.date`.
    User,
}

/// VM instructions between two looks at the clock.
const HOOK_EVERY: u32 = 1000;

/// Bytes of one `print` kept for the log.
const PRINT_MAX: usize = 1024;

/// A compiled script in a [`Vm`].
#[derive(Debug, Clone)]
pub struct Script {
    function: Function,
}

/// Why an evaluation produced no table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    #[error("Lua check exceeded its time limit of {0:?}")]
    Timeout(Duration),
    #[error("Lua check exceeded its memory limit of {} MiB", .0 >> 20)]
    Memory(usize),
    #[error("{0}")]
    Script(String),
}

/// A script or library module compiled by herald from source text, as LuaJIT bytecode.
///
/// Only [`Compiler::compile`] makes one, from text: bytecode from anywhere else (a user, a
/// file) never reaches a loader, since LuaJIT does not verify the bytecode it loads. Loading
/// it into a state skips the parser, so a script or module is parsed once however many states
/// run it.
#[derive(Debug, Clone)]
pub struct Bytecode {
    bytes: Rc<[u8]>,
}

impl Bytecode {
    /// Its size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Compiles source text to [`Bytecode`] in a state of its own that runs nothing.
pub struct Compiler {
    lua: Lua,
}

impl Compiler {
    /// A compiler whose state may hold `memory` bytes (a source too large to compile in it
    /// is refused as it would be in a check's own state).
    pub fn new(memory: usize) -> mlua::Result<Compiler> {
        let lua = Lua::new_with(StdLib::NONE, LuaOptions::default())?;
        lua.set_memory_limit(memory)?;
        Ok(Compiler { lua })
    }

    /// Compiles `source` (text only). `name` appears in error messages and tracebacks; a
    /// syntax error reads `LINE: message`, as from [`Vm::compile`].
    pub fn compile(&self, name: &str, source: &str) -> Result<Bytecode, String> {
        // Debug information stays in: messages and tracebacks name the script and line.
        let result = compile_text(&self.lua, name, source).map(|f| Bytecode {
            bytes: f.dump(false).into(),
        });
        if result.is_err() {
            let _ = self.lua.gc_collect();
        }
        result
    }
}

/// A library of modules for `require`, compiled once and shared by every state that loads it:
/// each state runs a module's bytecode the first time one of its scripts requires it, and
/// keeps the module's value for itself (no table is shared between states).
#[derive(Debug, Default)]
pub struct Library {
    modules: Vec<(String, Bytecode)>,
}

impl Library {
    /// Compiles every module; the first that does not compile is the error.
    pub fn compile(compiler: &Compiler, libs: &[(String, String)]) -> Result<Library, String> {
        let mut modules = Vec::with_capacity(libs.len());
        for (name, source) in libs {
            let file = format!("lua-checks/lib/{name}.lua");
            let code = compiler.compile(&file, source).map_err(|m| {
                if m.starts_with(|c: char| c.is_ascii_digit()) {
                    format!("{file}:{m}")
                } else {
                    format!("{file}: {m}")
                }
            })?;
            modules.push((name.clone(), code));
        }
        Ok(Library { modules })
    }

    fn get(&self, name: &[u8]) -> Option<&Bytecode> {
        self.modules
            .iter()
            .find(|(n, _)| n.as_bytes() == name)
            .map(|(_, c)| c)
    }
}

/// Compiles `source` as text in `lua`, naming the chunk for messages.
fn compile_text(lua: &Lua, name: &str, source: &str) -> Result<Function, String> {
    let short = chunk_name(name);
    lua.load(source)
        .set_name(format!("={short}"))
        .set_mode(ChunkMode::Text)
        .into_function()
        .map_err(|e| {
            let text = error_text(&e);
            text.strip_prefix(short)
                .and_then(|t| t.strip_prefix(':'))
                .map_or(text.clone(), str::to_string)
        })
}

/// A sandboxed Lua state.
pub struct Vm {
    lua: Lua,
    limits: Limits,
    deadline: Rc<Cell<Option<Instant>>>,
    /// The metatable of every evaluation's environment: reads fall through to the sandbox's
    /// globals, writes stay in the evaluation.
    env_meta: Table,
    /// Calls a check, rewording errors raised without a message.
    runner: Function,
}

impl Vm {
    pub fn new(trust: Trust, limits: Limits) -> mlua::Result<Vm> {
        let libs = StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::OS | StdLib::BIT;
        let lua = Lua::new_with(libs, LuaOptions::default())?;
        let globals = lua.globals();
        let collect: Function = globals.get("collectgarbage")?;
        for name in [
            "dofile",
            "loadfile",
            "require",
            "module",
            "collectgarbage",
            "newproxy",
        ] {
            globals.raw_remove(name)?;
        }
        // `load` and `loadstring` accept source text only: precompiled bytecode can break out of
        // the VM's checks.
        let text_only = lua
            .load(
                r#"
                local load, loadstring, byte, type = load, loadstring, string.byte, type
                local function check(chunk)
                    if type(chunk) == "string" and byte(chunk, 1) == 27 then
                        error("loading bytecode is not allowed", 3)
                    end
                end
                return function(chunk, ...)
                    if type(chunk) ~= "string" then error("load: only source strings are allowed", 2) end
                    check(chunk); return load(chunk, ...)
                end, function(chunk, ...)
                    check(chunk); return loadstring(chunk, ...)
                end
                "#,
            )
            .set_name("=herald-sandbox")
            .call::<(Function, Function)>(())?;
        globals.raw_set("load", text_only.0)?;
        globals.raw_set("loadstring", text_only.1)?;
        let os: Table = globals.get("os")?;
        let keep: &[&str] = match trust {
            Trust::Shipped => &["time", "date", "clock", "difftime"],
            Trust::User => &["time", "date"],
        };
        let pairs: Vec<(String, mlua::Value)> = os.pairs().collect::<mlua::Result<_>>()?;
        for (name, _) in pairs {
            if !keep.contains(&name.as_str()) {
                os.raw_remove(name)?;
            }
        }
        if trust == Trust::User {
            globals.raw_remove("bit")?;
        }
        lua.set_memory_limit(limits.memory)?;

        let deadline: Rc<Cell<Option<Instant>>> = Rc::new(Cell::new(None));
        let hook_deadline = Rc::clone(&deadline);
        // A global hook: LuaJIT keeps one hook for all coroutines, and mlua's per-thread hook
        // removes it for good the first time it fires in a coroutine it was not set for.
        lua.set_global_hook(
            HookTriggers::new().every_nth_instruction(HOOK_EVERY),
            move |_, _| match hook_deadline.get() {
                Some(d) if Instant::now() >= d => Err(mlua::Error::runtime(pattern::TIME_LIMIT)),
                _ => Ok(VmState::Continue),
            },
        )?;

        // Pattern matching runs in C, out of the hook's reach: herald's own matcher watches the
        // clock instead.
        pattern::install(&lua, &deadline)?;

        // A script must not outlive its deadline by catching the hook's error: once time is up,
        // pcall, xpcall and coroutine.resume (whose coroutine the error ended) pass it on.
        let expired_deadline = Rc::clone(&deadline);
        let expired = lua.create_function(move |_, ()| {
            Ok(expired_deadline.get().is_some_and(|d| Instant::now() >= d))
        })?;
        let coroutine: Table = globals.get("coroutine")?;
        let guards = lua
            .load(
                r#"
                local expired, pcall, xpcall, error, resume = ...
                local function pass(ok, ...)
                    if not ok and expired() then error((...), 0) end
                    return ok, ...
                end
                return function(f, ...) return pass(pcall(f, ...)) end,
                    function(f, h, ...)
                        return pass(xpcall(f, function(e)
                            if expired() then return e end
                            return h(e)
                        end, ...))
                    end,
                    function(co, ...) return pass(resume(co, ...)) end
                "#,
            )
            .set_name("=herald-sandbox")
            .call::<(Function, Function, Function)>((
                expired,
                globals.get::<Function>("pcall")?,
                globals.get::<Function>("xpcall")?,
                globals.get::<Function>("error")?,
                coroutine.get::<Function>("resume")?,
            ))?;
        globals.raw_set("pcall", guards.0)?;
        globals.raw_set("xpcall", guards.1)?;
        // `coroutine.wrap` resumes through the C API, not through the table: it gets a
        // version built on the guarded resume.
        coroutine.raw_set("resume", guards.2.clone())?;
        let wrap = lua
            .load(
                r#"
                local create, resume, error = ...
                local function unwrap(ok, ...)
                    if not ok then error((...), 0) end
                    return ...
                end
                return function(f)
                    local co = create(f)
                    return function(...) return unwrap(resume(co, ...)) end
                end
                "#,
            )
            .set_name("=herald-sandbox")
            .call::<Function>((
                coroutine.get::<Function>("create")?,
                guards.2,
                globals.get::<Function>("error")?,
            ))?;
        coroutine.raw_set("wrap", wrap)?;
        // A check's output is its returned table; what it prints goes to herald's log (at
        // debug level), never to standard output, where it would corrupt `check -o json`.
        let print = lua.create_function(|lua, args: mlua::MultiValue| {
            let tostring: Function = lua.globals().get("tostring")?;
            let mut line = String::new();
            for (i, v) in args.into_iter().enumerate() {
                if i > 0 {
                    line.push('\t');
                }
                line.push_str(&tostring.call::<mlua::LuaString>(v)?.to_string_lossy());
                if line.len() > PRINT_MAX {
                    break;
                }
            }
            crate::object::truncate_bytes(&mut line, PRINT_MAX);
            tracing::debug!(target: "herald::lua", "{line}");
            Ok(())
        })?;
        globals.raw_set("print", print)?;

        // Runs a check and turns what it raised into a message a person can read: `error()`
        // and `error({})` would otherwise say "nil" and "table: 0x...".
        let runner = lua
            .load(
                r#"
                local pcall, error, type, collect = ...
                local function finish(ok, ...)
                    if ok then return ... end
                    local e = ...
                    -- What a memory bomb left is garbage now; without room, raising fails.
                    if e == "not enough memory" then collect() end
                    local t = type(e)
                    if t == "string" or t == "number" or t == "userdata" then error(e, 0) end
                    if e == nil then error("the check raised an error without a message", 0) end
                    error("the check raised an error with a " .. t .. " instead of a message", 0)
                end
                return function(f) return finish(pcall(f)) end
                "#,
            )
            .set_name("=herald-sandbox")
            .call::<Function>((
                globals.get::<Function>("pcall")?,
                globals.get::<Function>("error")?,
                globals.get::<Function>("type")?,
                collect,
            ))?;

        let env_meta = lua.create_table()?;
        env_meta.raw_set("__index", globals)?;
        Ok(Vm {
            lua,
            limits,
            deadline,
            env_meta,
            runner,
        })
    }

    /// Makes `require(name)` load the given library modules (and nothing else), compiled from
    /// their source now: what a fresh interpreter pays (the benchmarks' baseline).
    pub fn install_libs(&self, libs: &[(String, String)]) -> Result<(), String> {
        let compiler = Compiler::new(self.limits.memory).map_err(|e| error_text(&e))?;
        let library = Library::compile(&compiler, libs)?;
        self.install_library(&Rc::new(library))
    }

    /// Makes `require(name)` load the modules of `library` (and nothing else), each the first
    /// time it is required in this state.
    pub fn install_library(&self, library: &Rc<Library>) -> Result<(), String> {
        let install = || -> mlua::Result<()> {
            let library = Rc::clone(library);
            let find = self.lua.create_function(move |lua, name: mlua::Value| {
                let code = match &name {
                    mlua::Value::String(s) => library.get(&s.as_bytes()),
                    _ => None,
                };
                match code {
                    None => Ok(mlua::Value::Nil),
                    Some(code) => lua
                        .load(&*code.bytes)
                        .set_name("=herald-bytecode")
                        .set_mode(ChunkMode::Binary)
                        .into_function()
                        .map(mlua::Value::Function),
                }
            })?;
            let require: Function = self
                .lua
                .load(
                    r#"
                    local find, error, tostring = ...
                    local loaded = {}
                    return function(name)
                        local v = loaded[name]
                        if v ~= nil then return v end
                        local f = find(name)
                        if f == nil then error("module '" .. tostring(name) .. "' not found", 2) end
                        v = f(name)
                        if v == nil then v = true end
                        loaded[name] = v
                        return v
                    end
                    "#,
                )
                .set_name("=herald-require")
                .call((
                    find,
                    self.lua.globals().get::<Function>("error")?,
                    self.lua.globals().get::<Function>("tostring")?,
                ))?;
            self.lua.globals().raw_set("require", require)
        };
        install().map_err(|e| error_text(&e))
    }

    /// Makes `f` callable from scripts as the global `name`.
    pub(crate) fn set_native(&self, name: &str, f: impl Fn() + 'static) -> mlua::Result<()> {
        let function = self.lua.create_function(move |_, ()| {
            f();
            Ok(())
        })?;
        self.lua.globals().raw_set(name, function)
    }

    /// Compiles `source` (text only, never bytecode). `name` appears in error messages.
    /// A syntax error reads `LINE: message`.
    pub fn compile(&self, name: &str, source: &str) -> Result<Script, String> {
        compile_text(&self.lua, name, source).map(|function| Script { function })
    }

    /// Loads what herald's [`Compiler`] made.
    pub fn load(&self, code: &Bytecode) -> Result<Script, String> {
        self.load_bytecode(code)
            .map(|function| Script { function })
            .map_err(|e| error_text(&e))
    }

    fn load_bytecode(&self, code: &Bytecode) -> mlua::Result<Function> {
        // The chunk keeps the name it was compiled with: the one given here is not used.
        self.lua
            .load(&*code.bytes)
            .set_name("=herald-bytecode")
            .set_mode(ChunkMode::Binary)
            .into_function()
    }

    /// Runs `script` with `obj` as the global `obj` and returns what it returned.
    pub fn eval<R>(
        &mut self,
        script: &Script,
        obj: &Value,
        read: impl FnOnce(mlua::Value) -> R,
    ) -> Result<R, EvalError> {
        let result = self.run(script, obj);
        let result = match result {
            Ok(v) => Ok(read(v)),
            Err(e) => Err(self.classify(e)),
        };
        self.deadline.set(None);
        if result.is_err() {
            // Give back at once what a failed evaluation left behind (it may have filled the
            // state up to its memory limit); the incremental collector handles the rest.
            let _ = self.lua.gc_collect();
            let _ = self.lua.gc_collect();
        }
        result
    }

    fn run(&self, script: &Script, obj: &Value) -> mlua::Result<mlua::Value> {
        self.deadline.set(Some(Instant::now() + self.limits.time));
        // SAFETY: the closure runs inside a protected call and only pushes values; it holds
        // nothing that needs dropping if an allocation error unwinds through it.
        let obj: mlua::Value = unsafe { self.lua.exec_raw((), |state| convert::push(state, obj))? };
        let env = self.lua.create_table_with_capacity(0, 2)?;
        env.raw_set("obj", obj)?;
        env.set_metatable(Some(self.env_meta.clone()))?;
        let f = script.function.clone();
        f.set_environment(env)?;
        self.runner.call::<mlua::Value>(f)
    }

    /// Called before the deadline is cleared: an error after it passed is the time limit.
    fn classify(&self, e: mlua::Error) -> EvalError {
        if is_memory_error(&e) {
            EvalError::Memory(self.limits.memory)
        } else if self.deadline.get().is_some_and(|d| Instant::now() >= d) {
            EvalError::Timeout(self.limits.time)
        } else {
            EvalError::Script(error_text(&e))
        }
    }
}

/// Lua cuts chunk names at 60 bytes; keep the end of long paths, which says the most.
fn chunk_name(name: &str) -> &str {
    const MAX: usize = 50;
    if name.len() <= MAX {
        return name;
    }
    let mut start = name.len() - MAX;
    while !name.is_char_boundary(start) {
        start += 1;
    }
    let tail = &name[start..];
    tail.find('/').map_or(tail, |i| &tail[i + 1..])
}

fn is_memory_error(e: &mlua::Error) -> bool {
    match e {
        mlua::Error::MemoryError(_) => true,
        // Re-raised by the runner, the allocator's error arrives as a plain one.
        mlua::Error::RuntimeError(m) => m.lines().next() == Some("not enough memory"),
        mlua::Error::CallbackError { cause, .. } | mlua::Error::WithContext { cause, .. } => {
            is_memory_error(cause)
        }
        _ => false,
    }
}

/// The message of a Lua error without mlua's wrapping and with a short traceback.
fn error_text(e: &mlua::Error) -> String {
    match e {
        mlua::Error::RuntimeError(m) | mlua::Error::SyntaxError { message: m, .. } => {
            m.lines().next().unwrap_or_default().trim().to_string()
        }
        mlua::Error::CallbackError { cause, .. } => error_text(cause),
        mlua::Error::WithContext { cause, .. } => error_text(cause),
        other => other.to_string(),
    }
}
