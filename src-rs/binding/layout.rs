//! `layout()`: the shared-memory layout table (`crate::layout::TABLE`), so that a test can
//! check it against the constants generated for TypeScript.

use crate::napi::{Args, Env, JsResult, Value};

/// `layout()`: `{ [group]: { [name]: value } }`.
pub fn layout(env: Env, _args: &Args) -> JsResult<Value> {
    let table = env.object()?;
    for (group, entries) in crate::layout::TABLE {
        let o = env.object()?;
        for (name, value) in *entries {
            env.set(o, name, env.number(*value))?;
        }
        env.set(table, group, o)?;
    }
    Ok(table)
}
