"""The bad-input corpus, part 1: models, configs, input arrays and command-line arguments.

Every bad input must give exit status 2 and exactly one line on stderr naming what is wrong
and where (no traceback); a good-but-unusual one exits 0 with the right result. Most cases
call `streamcnn.cli.main` in-process (TensorFlow loads once); a few run the real command.
Part 2 (test_bad_inputs_builds.py): output paths, build folders, subprocess runs.
"""
import pickle
import subprocess
import sys

import h5py
import numpy as np
import pytest
import tensorflow as tf
from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

from streamcnn.cli import main
from streamcnn.errors import StreamcnnError
from streamcnn.frontend import from_keras
from streamcnn.golden import emulate, quantize_input

L = tf.keras.layers
Q4 = dict(kernel_quantizer=quantized_bits(4, 0, alpha=1))


def small_model(name="small"):
    x_in = L.Input((8, 8, 1), name="pixels")
    x = L.Rescaling(1 / 256)(x_in)
    x = QConv2D(4, 3, use_bias=False, name="conv", **Q4)(x)
    x = QActivation(quantized_relu(4), name="act")(x)
    x = L.Flatten(name="flatten")(x)
    x = QDense(5, bias_quantizer=quantized_bits(4, 0, alpha=1), name="out", **Q4)(x)
    return tf.keras.Model(x_in, x, name=name)


def head(x, n=5, name="out"):
    return QDense(n, name=name, **Q4)(L.Flatten()(L.Rescaling(1 / 256)(x)))


def bad_models():
    """name -> a Keras model streamcnn must refuse (saved as name.h5)."""
    i = L.Input((8, 8, 1))
    f = L.Flatten(name="flat")(QActivation(quantized_relu(4), name="act")(
        QConv2D(4, 3, use_bias=False, **Q4)(L.Rescaling(1 / 256)(i))))
    two_out = tf.keras.Model(i, [QDense(5, name="o1", **Q4)(f), QDense(3, name="o2", **Q4)(f)])
    chain_out = tf.keras.Model(i, [f, QDense(5, name="logits", **Q4)(f)])
    a, b = L.Input((8, 8, 1), name="in_a"), L.Input((8, 8, 1), name="in_b")
    two_in = tf.keras.Model([a, b], head(L.Add()([a, b])))
    v = L.Input((None, None, 1), name="any_size")
    free = tf.keras.Model(v, QDense(3, **Q4)(L.GlobalMaxPooling2D()(
        QConv2D(4, 3, **Q4)(L.Rescaling(1 / 256)(v)))))
    r3 = L.Input((8, 8), name="rank3")
    ident = L.Input((8, 8, 1), name="same")
    c = L.Input((8, 8, 1))
    no_flat = tf.keras.Model(c, QConv2D(4, 3, name="last_conv", **Q4)(L.Rescaling(1 / 256)(c)))
    inner = tf.keras.Model(c, QConv2D(4, 3, **Q4)(L.Rescaling(1 / 256)(c)), name="inner")
    n = L.Input((8, 8, 1))
    nested = tf.keras.Model(n, QDense(3, **Q4)(L.Flatten()(inner(n))))
    nan = small_model("nan_weights")
    nan.get_layer("out").kernel.assign(np.full((144, 5), np.nan, np.float32))
    return {"two_out": two_out, "chain_out": chain_out, "two_in": two_in, "free": free,
            "rank3": tf.keras.Model(r3, head(r3)), "identity": tf.keras.Model(ident, ident),
            "no_flat": no_flat, "nested": nested, "nan": nan}


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    """The small model (.h5, SavedModel, .keras), the bad models, inputs and configs."""
    d = tmp_path_factory.mktemp("bad")
    m = small_model()
    m.save(d / "small.h5")
    m.save(d / "saved_model")
    m.save(d / "small.keras")
    m.save_weights(d / "weights.h5")
    for name, bad in bad_models().items():
        bad.save(d / f"{name}.h5")
    with h5py.File(d / "data.h5", "w") as h:
        h["x"] = np.zeros(3)
    (d / "text.h5").write_text("not a model\n")
    (d / "empty.h5").write_bytes(b"")
    (d / "trunc.h5").write_bytes((d / "small.h5").read_bytes()[:3000])
    (d / "folder.h5").mkdir()
    x = np.random.default_rng(0).integers(0, 256, (6, 8, 8, 1)).astype(np.float32)
    np.save(d / "x.npy", x)
    return d, m, x


def fails(capsys, argv, *words):
    """main(argv) exits 2 with one line on stderr naming all `words`."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("streamcnn: error: ") and "Traceback" not in err, err
    for w in words:
        assert w in lines[0], f"{w!r} not in {lines[0]!r}"
    return lines[0]


def golden(path, x, config=None):
    from streamcnn.config import Config
    g = from_keras(path, Config.load(config))
    return emulate(g, quantize_input(g, x)).logits


# --- models -----------------------------------------------------------------------------
@pytest.mark.parametrize("model,words", [
    ("two_out.h5", ["two_out.h5", "2 outputs", "o1", "o2"]),
    ("chain_out.h5", ["chain_out.h5", "2 outputs", "flat", "logits", "not converting one"]),
    ("two_in.h5", ["two_in.h5", "2 inputs", "in_a", "in_b"]),
    ("free.h5", ["free.h5", "'any_size'", "(N, None, None, 1)", "fixed"]),
    ("rank3.h5", ["rank3.h5", "'rank3'", "(N, 8, 8)"]),
    ("identity.h5", ["identity.h5", "no layers"]),
    ("text.h5", ["text.h5", "not an HDF5 file"]),
    ("empty.h5", ["empty.h5", "not an HDF5 file"]),
    ("trunc.h5", ["trunc.h5", "unreadable HDF5", "truncated"]),
    ("data.h5", ["data.h5", "without a Keras model"]),
    ("weights.h5", ["weights.h5", "without a Keras model"]),
    ("folder.h5", ["folder.h5", "a folder"]),
    (".", ["a folder", "saved_model.pb"]),
    ("missing.h5", ["missing.h5", "no such model file"]),
    ("x.npy", ["x.npy", "not a Keras model file"]),
    ("small.keras", ["small.keras", "save with model.save('name.h5')"]),
    ("nested.h5", ["layer 'inner'", "Functional", "not supported"]),
    ("nan.h5", ["'out'", "NaN"]),
])
def test_bad_model(files, capsys, model, words):
    d = files[0]
    fails(capsys, ["info", d / model], *words)


@pytest.mark.parametrize("cmd", ["emulate", "convert"])
def test_model_without_logits_vector(files, capsys, cmd, tmp_path):
    d = files[0]
    extra = ["--input", d / "x.npy", "-o", tmp_path / "y.npy"] if cmd == "emulate" else \
        ["-o", tmp_path / "build"]
    fails(capsys, [cmd, d / "no_flat.h5", *extra], "no_flat.h5", "'last_conv'",
          "(N, 6, 6, 4)", "vector of logits")
    assert not any(tmp_path.iterdir())


def test_saved_model_folder_equals_h5(files, capsys, tmp_path):
    d, _, x = files
    assert main(["emulate", str(d / "saved_model"), "--input", str(d / "x.npy"),
                 "-o", str(tmp_path / "y.npy")]) == 0
    assert np.array_equal(np.load(tmp_path / "y.npy"), golden(d / "small.h5", x))


def test_in_memory_models():
    for obj, words in [(42, "expected a Keras model, got int"),
                       (tf.keras.Sequential([L.Dense(3)]), "not built")]:
        with pytest.raises(StreamcnnError, match=words):
            from_keras(obj)


# --- configs ----------------------------------------------------------------------------
BAD_CONFIGS = {
    "dup_top": ("Model:\n  ReuseFactor: 1\nModel:\n  ReuseFactor: 2\n", ["line 3", "'Model'", "twice"]),
    "dup_nested": ("Model:\n  ReuseFactor: 1\n  ReuseFactor: 2\n", ["line 3", "'ReuseFactor'"]),
    "dup_layer": ("LayerName:\n  conv: {ReuseFactor: 1}\n  conv: {ReuseFactor: 2}\n", ["'conv'", "twice"]),
    "dup_flow": ("Model: {Strategy: Latency, Strategy: Resource}\n", ["'Strategy'", "twice"]),
    "binary": (b"\x7fELF\x02\x01\x01\x00\x00\x00", ["binary file"]),
    "latin1": ("Model:\n  Strategy: Lat\xe9ncy\n".encode("latin-1"), ["line 2", "UTF-8", "0xe9"]),
    "list": ("- Model\n- LayerName\n", ["must be a mapping", "a list"]),
    "string": ("just words\n", ["must be a mapping", "a string"]),
    "number": ("42\n", ["must be a mapping", "a number"]),
    "syntax": ("Model: [\n", ["invalid YAML", "line 2"]),
    "tabs": ("Model:\n\tReuseFactor: 2\n", ["invalid YAML", "line 2"]),
    "unhashable": ("? [a, b]\n: 1\n", ["invalid YAML", "unhashable"]),
    "python_tag": ("Model: !!python/object:os.system {}\n", ["invalid YAML", "python/object"]),
    "two_docs": ("Model: {}\n---\nModel: {}\n", ["invalid YAML"]),
    "weight_number": ("Model:\n  Precision: {weight: 3}\n", ["Model.Precision.weight", "'3'"]),
    "input_number": ("InputPrecision: 8\n", ["InputPrecision", "'8'"]),
    "input_wide": ("InputPrecision: ap_fixed<99,2>\n", ["InputPrecision", "99"]),
    "layer_precision": ("LayerName:\n  conv:\n    Precision: ap_fxd<8,2>\n",
                        ["LayerName.conv.Precision", "ap_fxd<8,2>"]),
    "precision_key": ("Model:\n  Precision: {wieght: ap_fixed<8,2>}\n", ["'wieght'"]),
    "precision_list": ("Model:\n  Precision: [ap_fixed<8,2>]\n", ["Model.Precision"]),
    "softmax_word": ("Softmax: maybe\n", ["Softmax", "'maybe'"]),
    "reuse_bool": ("Model:\n  ReuseFactor: true\n", ["Model.ReuseFactor", "True"]),
    "reuse_negative": ("LayerName:\n  conv: {ReuseFactor: -4}\n", ["LayerName.conv.ReuseFactor", "-4"]),
    "strategy_null": ("Model:\n  Strategy:\n", ["Strategy", "None"]),
    "layer_list": ("LayerName:\n  conv: [1]\n", ["LayerName.conv", "mapping"]),
    "layer_names_list": ("LayerName: [conv]\n", ["LayerName", "layer names"]),
}


@pytest.mark.parametrize("name", BAD_CONFIGS)
def test_bad_config(files, capsys, tmp_path, name):
    text, words = BAD_CONFIGS[name]
    cfg = tmp_path / f"{name}.yml"
    cfg.write_bytes(text if isinstance(text, bytes) else text.encode())
    fails(capsys, ["info", files[0] / "small.h5", "--config", cfg], f"{name}.yml", *words)


@pytest.mark.parametrize("cfg,words", [("missing.yml", ["missing.yml", "cannot read config"]),
                                       (".", ["cannot read config"])])
def test_unreadable_config(files, capsys, cfg, words):
    fails(capsys, ["info", files[0] / "small.h5", "--config", files[0] / cfg], *words)


@pytest.mark.parametrize("text", ["", "# only a comment\n", "Model:\n", "Model: {}\nLayerName:\n",
                                  "LayerName:\n  conv: &c {ReuseFactor: 1}\n  out:\n    <<: *c\n"
                                  "    ReuseFactor: 1\n"])
def test_harmless_config_is_the_default(files, capsys, tmp_path, text):
    """Empty, comment-only and anchor/merge configs are fine (`<<` may be overridden)."""
    d, _, x = files
    cfg = tmp_path / "c.yml"
    cfg.write_text(text)
    code = main(["emulate", str(d / "small.h5"), "--config", str(cfg), "--input",
                 str(d / "x.npy"), "-o", str(tmp_path / "y.npy")])
    assert code == 0, capsys.readouterr().err
    assert np.array_equal(np.load(tmp_path / "y.npy"), golden(d / "small.h5", x))


# --- input arrays -----------------------------------------------------------------------
def _x():
    return np.random.default_rng(0).integers(0, 256, (6, 8, 8, 1))


def _with(value, dtype=np.float64, at=(1, 2, 3, 0)):
    x = _x().astype(dtype)
    x[at] = value
    return x


BAD_INPUTS = {
    "complex": (_x() + 0.5j, ["complex input values", "complex128"]),
    "complex_real": (_x().astype(np.complex64), ["complex input values"]),
    "int_2p53": (_with(2**53 + 1, np.int64), ["frame 1, element (2, 3, 0) = 9007199254740993"]),
    "uint64_max": (_with(2**64 - 1, np.uint64), ["= 18446744073709551615", "ap_ufixed<8,8>"]),
    "int_256": (_with(256, np.int16), ["frame 1, element (2, 3, 0) = 256"]),
    "negative": (_with(-1, np.int16), ["= -1", "InputPrecision: ap_fixed<9,9>"]),
    "nan": (_with(np.nan), ["frame 1, element (2, 3, 0) = nan", "not rounding"]),
    "inf": (_with(np.inf, np.float32), ["= inf"]),
    "minus_inf": (_with(-np.inf), ["= -inf"]),
    "half": (_x() + 0.5, ["frame 0", "= ", "InputPrecision: ap_ufixed<9,8>"]),
    "unit": (_x() / 256, ["InputPrecision: ap_ufixed<8,0>"]),
    "decimal": (_with(0.1), ["= 0.1", "no fixed-point type of at most 32 bits"]),
    "long_double": (_with(np.longdouble(1) + np.longdouble(2) ** -60, np.longdouble),
                    ["frame 1, element (2, 3, 0)"]),
    "bool": (_x() > 100, ["booleans"]),
    "strings": (_x().astype(str), ["strings"]),
    "bytes": (_x().astype("S3"), ["byte strings"]),
    "dates": (np.zeros((6, 8, 8, 1), "datetime64[s]"), ["dates"]),
    "records": (np.zeros((6, 8, 8, 1), [("a", "f4")]), ["structured records"]),
    "empty": (np.zeros((0, 8, 8, 1)), ["no frames", "(0, 8, 8, 1)"]),
    "channels": (np.zeros((6, 8, 8, 3)), ["expected shape (N, 8, 8, 1)", "(6, 8, 8, 3)"]),
    "no_batch": (np.zeros((8, 8, 1)), ["expected shape", "(8, 8, 1)"]),
    "scalar": (np.float64(3), ["expected shape", "()"]),
    "flat": (np.zeros(64), ["expected shape", "(64,)"]),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_array(files, capsys, tmp_path, name):
    x, words = BAD_INPUTS[name]
    f = tmp_path / f"{name}.npy"
    np.save(f, x)
    fails(capsys, ["emulate", files[0] / "small.h5", "--input", f, "-o", tmp_path / "y.npy"],
          f"{name}.npy", *words)
    assert not (tmp_path / "y.npy").exists()


def test_no_hint_when_the_input_type_is_configured(files, capsys, tmp_path):
    np.save(tmp_path / "x.npy", _x() / 256)
    (tmp_path / "c.yml").write_text("InputPrecision: ap_uint<8>\n")
    msg = fails(capsys, ["emulate", files[0] / "small.h5", "--config", tmp_path / "c.yml",
                         "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy"],
                "is not exactly representable as ap_ufixed<8,8>")
    assert "set InputPrecision" not in msg


def savez(f, **arrays):
    with open(f, "wb") as h:                 # np.savez itself would add .npz to the name
        np.savez(h, **arrays)


def _write_bad_file(f, kind):
    x = _x().astype(np.float32)
    if kind == "pickle":
        f.write_bytes(pickle.dumps(x))
    elif kind == "object":
        np.save(f, np.array([[[[None]] * 8] * 8] * 2, dtype=object), allow_pickle=True)
    elif kind == "npz_object":
        savez(f, x=np.array([None, 1], dtype=object))
    elif kind == "npz_no_x":
        savez(f, images=x, labels=np.arange(6))
    elif kind == "garbage":
        f.write_bytes(b"\x00\x01garbage")
    elif kind == "text":
        f.write_text("1,2,3\n")
    elif kind == "truncated":
        np.save(f, x)
        f.write_bytes(f.read_bytes()[:200])
    elif kind == "bad_zip":
        savez(f, x=x)
        f.write_bytes(f.read_bytes()[:100])
    elif kind == "folder":
        f.mkdir()


@pytest.mark.parametrize("kind,words", [
    ("pickle", ["does not start like one"]),
    ("object", ["pickled Python objects", "allow_pickle=False"]),
    ("npz_object", ["pickled Python objects"]),
    ("npz_no_x", ["named 'x'", "'images'", "'labels'"]),
    ("garbage", ["not a .npy/.npz"]),
    ("text", ["not a .npy/.npz"]),
    ("truncated", ["not a readable .npy/.npz"]),
    ("bad_zip", ["not a readable .npy/.npz"]),
    ("folder", ["a folder"]),
    ("missing", ["no such input file"]),
])
def test_bad_input_file(files, capsys, tmp_path, kind, words):
    f = tmp_path / f"in_{kind}.npy"
    _write_bad_file(f, kind)
    fails(capsys, ["emulate", files[0] / "small.h5", "--input", f, "-o", tmp_path / "y.npy"],
          f.name, *words)


@pytest.mark.parametrize("name,convert", [
    ("uint8", lambda x: x.astype(np.uint8)), ("int64", lambda x: x.astype(np.int64)),
    ("float16", lambda x: x.astype(np.float16)), ("big_endian", lambda x: x.astype(">f8")),
    ("fortran", np.asfortranarray), ("long_double", lambda x: x.astype(np.longdouble)),
    ("uint64", lambda x: x.astype(np.uint64)), ("npz", None)])
def test_unusual_but_exact_input_is_taken(files, tmp_path, name, convert):
    """Any real dtype holding values on the grid gives the golden model's (and Keras')
    logits, bit for bit."""
    d, model, x = files
    f = tmp_path / ("x.npz" if convert is None else "x.npy")
    savez(f, x=x) if convert is None else np.save(f, convert(x))
    assert main(["emulate", str(d / "small.h5"), "--input", str(f), "-o",
                 str(tmp_path / "y.npy"), "--classes", str(tmp_path / "c.npy")]) == 0
    y = np.load(tmp_path / "y.npy")
    assert np.array_equal(y, golden(d / "small.h5", x))
    assert np.array_equal(y, model(x).numpy().astype(np.float64))
    assert np.array_equal(np.load(tmp_path / "c.npy"), y.argmax(1))


# --- command-line arguments -------------------------------------------------------------
@pytest.mark.parametrize("argv,words", [
    (["train", "--variant", "qp6", "--epochs", "0"], ["--epochs 0", "positive"]),
    (["train", "--variant", "qp6", "--epochs", "-3"], ["--epochs -3"]),
    (["train", "--variant", "qp6", "--batch", "0"], ["--batch 0"]),
    (["train", "--variant", "qp6", "--prune-epochs", "-1"], ["--prune-epochs -1", "non-negative"]),
    (["train", "--variant", "qp6", "--train-images", "0"], ["--train-images 0"]),
    (["train", "--variant", "qp6", "--test-images", "0"], ["--test-images 0"]),
    (["train", "--variant", "aq", "--search-trials", "0"], ["--search-trials 0"]),
    (["train", "--variant", "aq", "--search-epochs", "-1"], ["--search-epochs -1"]),
    (["train", "--variant", "qp6", "--seed", "-1"], ["--seed -1"]),
    (["data", "-n", "0"], ["-n 0"]),
    (["data", "-n", "-5"], ["-n -5"]),
    (["data", "--seed", "-2"], ["--seed -2"]),
    (["bench", "--images", "0"], ["--images 0"]),
    (["bench", "--images", "-5"], ["--images -5"]),
    (["bench", "--csim", "--csim-images", "0"], ["--csim-images 0"]),
    (["bench", "--rtlsim", "--rtlsim-images", "-1"], ["--rtlsim-images -1"]),
    (["rtlsim", "B", "--input", "x.npy", "--gaps", "150"], ["--gaps 150", "0..99"]),
    (["rtlsim", "B", "--input", "x.npy", "--stalls", "-1"], ["--stalls -1", "0..99"]),
    (["rtlsim", "B", "--input", "x.npy", "--seed", "-1"], ["--seed -1"]),
    (["synth", "B", "--jobs", "0"], ["--jobs 0"]),
    (["report", "--jobs", "-2"], ["--jobs -2"]),
])
def test_bad_number_writes_nothing(capsys, tmp_path, argv, words):
    out = tmp_path / "out.npz"
    if argv[0] in ("train", "data", "rtlsim"):
        argv = argv + ["-o", str(out)]
    fails(capsys, argv, *words)
    assert not out.exists() and not out.with_suffix(".h5").exists()


def test_report_unknown_variant(files, capsys, tmp_path):
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "q4.h5").write_bytes((files[0] / "small.h5").read_bytes())
    fails(capsys, ["report", "--models", tmp_path / "models", "--only", "q4,foo", "-o",
                   tmp_path / "results", "--work", tmp_path / "work"], "--only foo", "q4")
    assert not (tmp_path / "results").exists() and not (tmp_path / "work").exists()


@pytest.mark.parametrize("argv,words", [
    (["frob"], ["invalid choice: 'frob'"]),
    (["rtlsim", "B", "--input", "x.npy", "-o", "y.npy", "--sim", "foo"], ["--sim", "'foo'"]),
    (["bench", "--images", "ten"], ["--images", "'ten'"]),
    (["emulate", "m.h5", "-o", "y.npy"], ["--input"]),
    (["synth", "B", "--tool", "quartus"], ["--tool", "'quartus'"]),
    ([], ["command"]),
])
def test_argparse_errors(capsys, argv, words):
    """argparse's own format: exit 2, a usage block and one error line naming the option."""
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert "error:" in last and all(w in last for w in words), err


def test_debug_is_accepted_anywhere_in_process(files, capsys):
    for argv in (["--debug", "info", "missing.h5"], ["info", "--debug", "missing.h5"],
                 ["info", "missing.h5", "--debug"]):
        with pytest.raises(StreamcnnError, match="missing.h5"):
            main(argv)
    assert main(["info", str(files[0] / "small.h5"), "--debug"]) == 0


def run(*args, cwd=None):
    """The real command, in a subprocess."""
    return subprocess.run([sys.executable, "-m", "streamcnn.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, cwd=cwd)
