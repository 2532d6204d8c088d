"""One handler per Keras layer class: Keras layer -> IR nodes (registered by class name)."""
from __future__ import annotations

import numpy as np

from ..errors import StreamcnnError
from ..fixed import FixedType
from ..ir import Conv2D, Dense, Flatten, Pool2D, Scale, ZeroPad2D
from .convert import Converter, handles
from .quantizers import is_quantizer, output_type, quantize_weights, to_grid


def _where(layer) -> str:
    return f"layer '{layer.name}' ({type(layer).__name__})"


# --- layers that do nothing to the values ----------------------------------------
@handles("InputLayer", "Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout")
def _skip(cv: Converter, layer):
    pass


# --- element-wise layers --------------------------------------------------------
@handles("BatchNormalization", "QBatchNormalization")
def _batchnorm(cv: Converter, layer):
    if layer.axis not in ([len(cv.cur.shape)], [-1], len(cv.cur.shape), -1):
        raise StreamcnnError(f"{_where(layer)}: only normalisation over the channel axis is supported")
    gamma = layer.gamma.numpy() if layer.scale else np.ones(cv.cur.channels)
    cv.elementwise(layer.name, lambda t: layer(t, training=False), bool(np.all(gamma >= 0)))


@handles("Rescaling")
def _rescaling(cv: Converter, layer):
    scale, offset = np.asarray(layer.scale, np.float64), np.asarray(layer.offset, np.float64)
    exp = np.frexp(scale)[1] - 1
    if scale.size == 1 and np.all(offset == 0) and float(scale) > 0 \
            and float(scale) == 2.0 ** int(exp) and not cv.pending:
        t = cv.cur.type
        out = FixedType(t.width, t.integer + int(exp), t.signed)
        cv.emit(Scale(layer.name, cv.cur, cv.tensor(layer.name, cv.cur.shape, out)), cv.lo, cv.hi)
        return
    cv.elementwise(layer.name, lambda t: layer(t), bool(np.all(scale >= 0)))


@handles("Activation", "ReLU")
def _activation(cv: Converter, layer):
    if type(layer).__name__ == "ReLU":
        if layer.max_value is not None or float(layer.negative_slope) or float(layer.threshold):
            raise StreamcnnError(f"{_where(layer)}: only a plain ReLU is supported")
        cv.elementwise(layer.name, lambda t: layer(t), True)
        return
    _named_activation(cv, layer, layer.activation)


@handles("QActivation")
def _qactivation(cv: Converter, layer):
    q = layer.quantizer
    if is_quantizer(q):
        cv.elementwise(layer.name, lambda t: layer(t), True)
        cv.close(output_type(q, _where(layer)), exact=True, where=layer.name)
    else:
        _named_activation(cv, layer, layer.quantizer)


def _named_activation(cv: Converter, layer, fn, fused: bool = False):
    """An activation: its own layer, or fused into a MAC layer (`fused`), whose IR nodes
    then take the name '<layer>_act' (the MAC node has the layer's own name)."""
    name = fn if isinstance(fn, str) else getattr(fn, "__name__", str(fn))
    step = f"{layer.name}_act" if fused else layer.name
    if is_quantizer(fn):
        cv.elementwise(step, lambda t: fn(t), True)
        cv.close(output_type(fn, _where(layer)), exact=True, where=step)
    elif name == "linear":
        pass
    elif name == "relu":
        import tensorflow as tf
        cv.elementwise(step, tf.nn.relu, True)
    elif name == "softmax":
        cv.softmax = layer.name
        if fused:                                   # the logits are the layer's own sums
            cv.logits_layer, cv.logits_fused = layer.name, True
    else:
        raise StreamcnnError(f"{_where(layer)}: activation {name!r} is not supported "
                             "(supported: relu, linear, softmax and QKeras quantizers)")


@handles("Softmax")
def _softmax(cv: Converter, layer):
    # keras.layers.Softmax: the same final softmax as Activation("softmax"), over channels
    if layer.axis not in (-1, cv.rank() - 1):
        raise StreamcnnError(f"{_where(layer)}: softmax over axis {layer.axis} is not "
                             "supported (only the last axis)")
    cv.softmax = layer.name


# --- multiply-accumulate layers -------------------------------------------------
def _weights(cv: Converter, layer, values, quantizer, kind: str):
    """Integer weights and their grid: QKeras' quantiser if any, else the config's type
    (post-training quantisation: noted, and the graph is inexact unless nothing rounds)."""
    if quantizer is not None:
        return to_grid(quantize_weights(quantizer, values, _where(layer)), f"{_where(layer)} {kind}")
    cfg = cv.config.layer(layer.name)
    t = cfg.weight if kind == "kernel" else cfg.bias
    ints = t.from_float(values)
    if not np.all(t.representable(np.asarray(values, np.float64))):
        err = np.abs(t.to_float(ints) - values).max()
        cv.exact = False
        cv.notes.append(f"{layer.name}: float {kind} (no {kind}_quantizer) post-training quantised "
                        f"to {t}, largest change {err:.3g}")
    return ints, t.frac


def _kernel_bias(layer):
    """(kernel, bias or None, kernel quantizer, bias quantizer) as the layer applies them in
    inference; QConv2DBatchnorm folds its BatchNorm first (QKeras' own folding)."""
    kq = getattr(layer, "kernel_quantizer_internal", None)
    bq = getattr(layer, "bias_quantizer_internal", None)
    if hasattr(layer, "get_folded_weights"):
        k, b = (np.asarray(v, np.float32) for v in layer.get_folded_weights())
        return k, b, kq, bq
    return layer.kernel.numpy(), layer.bias.numpy() if layer.use_bias else None, kq, bq


def _mac(cv: Converter, layer):
    """Shared part of Conv2D and Dense: integer weights, bias on the output grid."""
    cv.require_exact(layer.name)
    kernel, bias_f, kq, bq = _kernel_bias(layer)
    w, wf = _weights(cv, layer, kernel, kq, "kernel")
    out_frac = cv.cur.type.frac + wf
    bias = None
    if bias_f is not None:
        b, bf = _weights(cv, layer, bias_f, bq, "bias")
        if bf > out_frac:                 # bias finer than products: refine the product grid
            w, out_frac = w << np.int64(bf - out_frac), bf
        bias = b << np.int64(out_frac - bf)
    return w, bias, out_frac, kq is not None


def _float32_exact(cv: Converter, layer, w2d: np.ndarray, lo, hi):
    """Keras accumulates in float32: exact only if every partial sum fits 24 bits."""
    xmax = np.maximum(np.abs(lo), np.abs(hi))
    bound = int((np.abs(w2d) * xmax[:, None]).sum(axis=0).max(initial=0))
    if bound >= 2**24:
        cv.exact = False
        cv.notes.append(f"{layer.name}: sums reach 2^{bound.bit_length() - 1} LSB, beyond float32's "
                        "24-bit mantissa, so Keras itself rounds; the golden model is exact integer "
                        "arithmetic")


def _after_mac(cv: Converter, layer, quantized: bool):
    if not quantized:
        cv.exact = False
        cv.ptq_type = cv.config.layer(layer.name).result
    act = getattr(layer, "activation", None)
    if act is not None:
        _named_activation(cv, layer, act, fused=True)


def _mac_bounds(w2d: np.ndarray, lo: np.ndarray, hi: np.ndarray, bias):
    """Exact per-output extremes of sum(w * x) with each x in [lo, hi] (rows of w2d)."""
    lo, hi = lo[:, None], hi[:, None]
    o_lo = np.minimum(w2d * lo, w2d * hi).sum(axis=0)
    o_hi = np.maximum(w2d * lo, w2d * hi).sum(axis=0)
    if bias is not None:
        o_lo, o_hi = o_lo + bias, o_hi + bias
    return o_lo, o_hi


@handles("Conv2D", "QConv2D", "QConv2DBatchnorm")
def _conv2d(cv: Converter, layer):
    if layer.data_format != "channels_last" or tuple(layer.dilation_rate) != (1, 1) \
            or getattr(layer, "groups", 1) != 1:
        raise StreamcnnError(f"{_where(layer)}: only channels_last, undilated, ungrouped "
                             "convolutions are supported")
    w, bias, out_frac, wq = _mac(cv, layer)
    kh, kw, cin, cout = w.shape
    pads = _pads(cv.cur.shape, (kh, kw), layer.strides, layer.padding)
    lo, hi = cv.lo, cv.hi
    if any(pads):                         # padded zeros are inputs too
        lo, hi = np.minimum(lo, 0), np.maximum(hi, 0)
    o_lo, o_hi = _mac_bounds(w.reshape(-1, cout), np.tile(lo, kh * kw), np.tile(hi, kh * kw), bias)
    _float32_exact(cv, layer, w.reshape(-1, cout), np.tile(lo, kh * kw), np.tile(hi, kh * kw))
    out_shape = layer.output_shape[1:]
    out = cv.tensor(layer.name, out_shape, FixedType.for_range(int(o_lo.min()), int(o_hi.max()), out_frac))
    cv.emit(Conv2D(layer.name, cv.cur, out, weights=w, bias=bias, strides=tuple(layer.strides),
                   pads=pads, weight_type=FixedType.for_range(int(w.min()), int(w.max()), out_frac - cv.cur.type.frac)),
            o_lo, o_hi)
    _after_mac(cv, layer, wq)


@handles("Dense", "QDense")
def _dense(cv: Converter, layer):
    cv.require_exact(layer.name)          # may emit a deferred Flatten
    if len(cv.cur.shape) != 1:
        raise StreamcnnError(f"{_where(layer)}: Dense needs a flat input (add a Flatten)")
    w, bias, out_frac, wq = _mac(cv, layer)
    o_lo, o_hi = _mac_bounds(w, cv.lo, cv.hi, bias)
    _float32_exact(cv, layer, w, cv.lo, cv.hi)
    out = cv.tensor(layer.name, (w.shape[1],), FixedType.for_range(int(o_lo.min()), int(o_hi.max()), out_frac))
    cv.emit(Dense(layer.name, cv.cur, out, weights=w, bias=bias,
                  weight_type=FixedType.for_range(int(w.min()), int(w.max()), out_frac - cv.cur.type.frac)), o_lo, o_hi)
    _after_mac(cv, layer, wq)


# --- structural layers ----------------------------------------------------------
def _pads(shape, kernel, strides, padding) -> tuple[int, int, int, int]:
    """TensorFlow's 'same' padding: the odd pixel goes to the bottom/right."""
    if padding == "valid":
        return (0, 0, 0, 0)
    out = []
    for size, k, s in zip(shape[:2], kernel, strides):
        total = max((-(-size // s) - 1) * s + k - size, 0)
        out += [total // 2, total - total // 2]
    return tuple(out)


@handles("MaxPooling2D", "AveragePooling2D")
def _pool(cv: Converter, layer):
    kind = "max" if type(layer).__name__ == "MaxPooling2D" else "avg"
    if layer.data_format != "channels_last":
        raise StreamcnnError(f"{_where(layer)}: only channels_last is supported")
    pads = _pads(cv.cur.shape, layer.pool_size, layer.strides, layer.padding)
    area = layer.pool_size[0] * layer.pool_size[1]
    if kind == "avg":
        if any(pads):
            raise StreamcnnError(f"{_where(layer)}: 'same' padding changes the divisor at the "
                                 "border; only unpadded average pooling is supported")
        if area & (area - 1):
            raise StreamcnnError(f"{_where(layer)}: pool area {area} is not a power of two, so the "
                                 "average is not exact in fixed point")
        if cv.chain is not None:
            raise StreamcnnError(f"{_where(layer)}: averaging the unquantised output of "
                                 f"{', '.join(cv.chain.names)} is not exact; quantise before pooling")

    def build():
        t = cv.cur.type
        if kind == "max":
            out_t, lo, hi = t, cv.lo, cv.hi
        else:
            k = area.bit_length() - 1
            out_t = FixedType.for_range(int(cv.lo.min()) * area, int(cv.hi.max()) * area, t.frac + k)
            lo, hi = cv.lo * area, cv.hi * area
        out = cv.tensor(layer.name, layer.output_shape[1:], out_t)
        cv.emit(Pool2D(layer.name, cv.cur, out, kind=kind, pool=tuple(layer.pool_size),
                       strides=tuple(layer.strides), pads=pads), lo, hi)

    if cv.chain is not None:
        cv.defer(layer.name, build, needs_monotone=True)
    else:
        build()


@handles("ZeroPadding2D")
def _zeropad(cv: Converter, layer):
    cv.require_exact(layer.name)
    (t, b), (l, r) = layer.padding
    out = cv.tensor(layer.name, layer.output_shape[1:], cv.cur.type)
    cv.emit(ZeroPad2D(layer.name, cv.cur, out, pads=(t, b, l, r)),
            np.minimum(cv.lo, 0), np.maximum(cv.hi, 0))


@handles("Reshape")
def _reshape(cv: Converter, layer):
    """A Reshape that only changes the layout: to a vector (the same order as Flatten)."""
    target = tuple(int(d) for d in layer.target_shape)
    if len(target) != 1:
        raise StreamcnnError(f"{_where(layer)}: only a reshape to a vector is supported "
                             f"(got {target}); the streams carry (H, W, C) or vectors")
    if len(cv.cur.shape) != 1:
        _flatten(cv, layer)


@handles("Flatten")
def _flatten(cv: Converter, layer):
    def build():
        n = int(np.prod(cv.cur.shape))
        reps = n // cv.cur.channels
        out = cv.tensor(layer.name, (n,), cv.cur.type)
        cv.emit(Flatten(layer.name, cv.cur, out), np.tile(cv.lo, reps), np.tile(cv.hi, reps))

    if cv.chain is not None:
        cv.defer(layer.name, build, needs_monotone=False)
    else:
        build()
