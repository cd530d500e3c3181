# wheelpipe's PEP 517 frontend shim: calls one hook of a build backend, in the
# source tree (the working folder), and writes its answer as JSON.
#
#   python shim.py HOOK BACKEND BACKEND_PATH_JSON CONFIG_JSON OUT_DIR RESULT_FILE [HAVE_JSON]
#
# With HAVE_JSON (the requires the environment holds) and a build hook, the
# get_requires hook runs first in the same process: when it names nothing
# else the build goes on (one python start, not two), else the answer is
# {"requires": [...]} and nothing is built.
# Everything the backend prints goes to stderr, which the caller keeps.
# RESULT_FILE gets {"return": value}, or {"unsupported": true} for an
# optional hook the backend lacks, or {"error": "..."} (the details on stderr).
import importlib
import json
import os
import sys
import traceback


def load(spec, backend_path):
    if backend_path:
        sys.path[:0] = backend_path
    module_name, _, attrs = spec.partition(":")
    try:
        obj = importlib.import_module(module_name)
    except ImportError:
        raise BackendUnavailable(traceback.format_exc())
    if backend_path:
        origin = os.path.realpath(getattr(obj, "__file__", "") or "")
        if not any(origin.startswith(os.path.realpath(p) + os.sep) for p in backend_path):
            raise BackendInvalid("the backend %r is not loaded from backend-path %r" % (spec, backend_path))
    for attr in filter(None, attrs.split(".")):
        obj = getattr(obj, attr)
    return obj


class BackendUnavailable(Exception):
    pass


class BackendInvalid(Exception):
    pass


# The hook running now, for the error message.
CURRENT = ["(loading the backend)"]


def call(backend, hook, config, out_dir):
    CURRENT[0] = hook
    fn = getattr(backend, hook, None)
    if hook.startswith("get_requires_for_build_"):
        return fn(config) if fn else []
    if hook.startswith("prepare_metadata_for_build_"):
        if fn is None:
            return {"unsupported": True}
        return fn(out_dir, config)
    if fn is None:
        if hook == "build_editable":
            return {"unsupported": True}
        raise BackendInvalid("the backend has no %s hook" % hook)
    return fn(out_dir, config, None)


def requires_then_build(backend, hook, config, out_dir, have):
    kind = "editable" if hook == "build_editable" else "wheel"
    extra = call(backend, "get_requires_for_build_" + kind, config, out_dir)
    if not all(r.strip() in have for r in extra):
        return {"requires": extra}
    value = call(backend, hook, config, out_dir)
    return value if isinstance(value, dict) else {"return": value}


def show_traceback(e):
    """The traceback from the backend's first frame on, without the shim's."""
    tb = e.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(e), e, tb)


def main():
    hook, spec, backend_path, config, out_dir, result_file = sys.argv[1:7]
    have = json.loads(sys.argv[7]) if len(sys.argv) > 7 else None
    # The backend's prints and its tools' output all go to the kept stderr.
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    config = json.loads(config) or None
    try:
        backend = load(spec, json.loads(backend_path))
        if have is not None:
            result = requires_then_build(backend, hook, config, out_dir, set(have))
        else:
            value = call(backend, hook, config, out_dir)
            result = value if isinstance(value, dict) else {"return": value}
    except BackendUnavailable as e:
        print(str(e), file=sys.stderr)
        result = {"error": "cannot import the build backend %r" % spec}
    except BackendInvalid as e:
        result = {"error": str(e)}
    except SystemExit as e:  # setuptools and others exit with their message
        if e.code not in (None, 0):
            print(e.code, file=sys.stderr)
        result = {"error": "%s failed" % CURRENT[0]}
    except BaseException as e:  # the backend failed
        show_traceback(e)
        result = {"error": "%s failed: %s" % (CURRENT[0], type(e).__name__)}
    with open(result_file, "w") as f:
        json.dump(result, f)
    sys.exit(1 if "error" in result else 0)


if __name__ == "__main__":
    main()
