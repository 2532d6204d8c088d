// Optional softmax (config `Softmax: true`): logits -> probabilities with an exp table and a
// 1/sum table, the integer arithmetic of gen/streamcnn/softmax.py step for step (the golden
// model runs that file, so C simulation can be compared bit for bit):
//   d = max - z; k = ((d << lshift) + rnd) >> rshift; e = k < exp_size ? EXP[k] : 0;
//   S = sum e; b = floor(log2 S); m = round(S >> (b - inv_bits)); inv = INV[m - 2^inv_bits];
//   p = round(e * inv >> (inv_frac + b - out_frac)).
#ifndef STREAMCNN_SOFTMAX_H
#define STREAMCNN_SOFTMAX_H

#include "types.h"

namespace streamcnn {

// CFG: in_t, out_t, d_t (holds d << lshift plus rnd), exp_t, sum_t, inv_t, prod_t (e * inv),
// etab_t, itab_t (the tables' C types); n, ii (= ceil(n/2)), lshift, rshift, rnd, exp_size,
// exp_bits, sum_bits, inv_bits, inv_frac, out_frac.
template <class CFG>
void softmax(hls::stream<vec<typename CFG::in_t, CFG::n> >& in,
             hls::stream<vec<typename CFG::out_t, CFG::n> >& out,
             const typename CFG::etab_t exp_table[CFG::exp_size],
             const typename CFG::itab_t inv_table[(1 << CFG::inv_bits) + 1]) {
    // One word per image, hundreds of cycles apart: no need for II=1, which would take n read
    // ports (n copies of the exp table). A dual-port ROM serves two lookups per cycle: II=n/2.
#pragma HLS PIPELINE II=CFG::ii
    const vec<typename CFG::in_t, CFG::n> z = in.read();
    typename CFG::in_t top = z.v[0];
    for (int j = 1; j < CFG::n; j++)
        if (z.v[j] > top) top = z.v[j];
    typename CFG::exp_t e[CFG::n];
    typename CFG::sum_t s = 0;
    for (int j = 0; j < CFG::n; j++) {
        const typename CFG::d_t d = top - z.v[j];
        const typename CFG::d_t k = ((d << CFG::lshift) + CFG::rnd) >> CFG::rshift;
        e[j] = k < CFG::exp_size ? typename CFG::exp_t(exp_table[k.to_int()]) : typename CFG::exp_t(0);
        s += e[j];
    }
    // Leading one of S (S >= 2^exp_bits: the maximum's own term), then a rounded mantissa.
    int b = CFG::exp_bits;
    for (int i = CFG::exp_bits + 1; i < CFG::sum_bits; i++)
        if (s[i]) b = i;
    const int sh = b - CFG::inv_bits;
    const typename CFG::sum_t m = (s + (typename CFG::sum_t(1) << (sh - 1))) >> sh;
    const typename CFG::inv_t inv = inv_table[m.to_int() - (1 << CFG::inv_bits)];
    const int shift = CFG::inv_frac + b - CFG::out_frac;
    vec<typename CFG::out_t, CFG::n> p;
    for (int j = 0; j < CFG::n; j++) {
        const typename CFG::prod_t x = typename CFG::prod_t(e[j]) * inv;
        p.v[j] = (x + (typename CFG::prod_t(1) << (shift - 1))) >> shift;
    }
    out.write(p);
}

}  // namespace streamcnn

#endif
