# Asked of the target interpreter once (interpreter.rs): everything the tools
# need to know about it, as one JSON object on stdout.
import json, os, platform, sys, sysconfig

def pip_default_index():
    # Read from pip's source without importing pip (which costs more than
    # the rest of this script); imported only if the source reads otherwise.
    try:
        import importlib.util, re
        spec = importlib.util.find_spec("pip")
        folder = os.path.dirname(spec.origin)
        with open(os.path.join(folder, "_internal", "models", "index.py"), encoding="utf-8") as f:
            found = re.search(r'^PyPI = PackageIndex\(\s*"([^"]+/)"', f.read(), re.M)
        if found:
            return found.group(1) + "simple"
    except Exception:
        pass
    try:
        from pip._internal.models.index import PyPI
        return PyPI.simple_url
    except Exception:
        return None

def glibc():
    try:
        name, version = os.confstr("CS_GNU_LIBC_VERSION").split()
        return version if name == "glibc" else None
    except Exception:
        return None

def musl():
    # The ELF interpreter of the executable names musl's loader on musl systems.
    try:
        with open(sys.executable, "rb") as f:
            head = f.read(4096)
        i = head.find(b"/lib/ld-musl-")
        if i < 0:
            return None
        import subprocess
        out = subprocess.run([head[i:head.index(b"\0", i)].decode()], capture_output=True, text=True).stderr
        for line in out.splitlines():
            if line.startswith("Version "):
                return line.split()[1]
    except Exception:
        return None

impl = sys.implementation
paths = sysconfig.get_paths()
markers = {
    "implementation_name": impl.name,
    "implementation_version": "{0.major}.{0.minor}.{0.micro}".format(impl.version) + (
        impl.version.releaselevel[0] + str(impl.version.serial) if impl.version.releaselevel != "final" else ""),
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_python_implementation": platform.python_implementation(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}
print(json.dumps({
    "executable": sys.executable,
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "base_executable": getattr(sys, "_base_executable", None),
    "version": list(sys.version_info[:3]),
    "markers": markers,
    "paths": {k: paths[k] for k in ("purelib", "platlib", "scripts", "include", "data")},
    "soabi": sysconfig.get_config_var("SOABI"),
    "ext_suffix": sysconfig.get_config_var("EXT_SUFFIX"),
    "py_debug": bool(sysconfig.get_config_var("Py_DEBUG")),
    "gil_disabled": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
    "platform": sysconfig.get_platform(),
    "glibc": glibc(),
    "musl": musl() if glibc() is None else None,
    "pointer_bits": 64 if sys.maxsize > 2**32 else 32,
    "pip_default_index": pip_default_index(),
    # Where installed distributions are found, in order (a venv made with
    # --system-site-packages lists its base's site-packages after its own).
    "sys_path": [p for p in sys.path if os.path.isabs(p)],
}))
