//! The wheel tags an interpreter supports, in packaging's order of
//! preference (cpython ABI, abi3, none; manylinux from the glibc version,
//! musllinux, linux; py3X / py3 any), and a wheel's rank among them.

use crate::interpreter::Interpreter;
use crate::wheel_name::WheelFilename;

/// The supported tags of one interpreter, best first.
#[derive(Clone, Debug)]
pub struct Tags {
    /// (python, abi, platform), best first.
    ordered: Vec<(String, String, String)>,
}

impl Tags {
    pub fn for_interpreter(interpreter: &Interpreter) -> Tags {
        todo!("{interpreter:?}")
    }

    /// Best first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.ordered.iter().map(|(p, a, t)| (p.as_str(), a.as_str(), t.as_str()))
    }

    /// The position of the wheel's best tag in the list (lower is better);
    /// `None` when the wheel does not fit this interpreter.
    pub fn rank(&self, wheel: &WheelFilename) -> Option<usize> {
        todo!("{wheel:?}")
    }
}
