// Exact requantisation, accumulator -> next quantised tensor, per channel (see the IR):
// either y = clip((a * M + B) >> S, lo, hi), that form plus a delta at a few listed
// accumulator values, or y = base + #(thresholds <= sign * a).
#ifndef STREAMCNN_REQUANT_H
#define STREAMCNN_REQUANT_H

#include "types.h"

namespace streamcnn {

// clip((a * M + B) >> S, lo, hi) on wide_t, which holds a*M+B exactly.
template <class CFG>
typename CFG::wide_t affine_one(typename CFG::in_t a, typename CFG::m_t m, typename CFG::b_t b) {
#pragma HLS INLINE
    typename CFG::wide_t t = a * m + b;
    t >>= CFG::shift;  // arithmetic: floor division by 2^S
    return t < CFG::lo ? typename CFG::wide_t(CFG::lo) : t > CFG::hi ? typename CFG::wide_t(CFG::hi) : t;
}

// CFG: in_t, out_t, wide_t, m_t, b_t; pixels, c, shift, lo, hi.
template <class CFG>
void requant_affine(hls::stream<vec<typename CFG::in_t, CFG::c> >& in,
                    hls::stream<vec<typename CFG::out_t, CFG::c> >& out,
                    const typename CFG::m_t mult[CFG::c], const typename CFG::b_t add[CFG::c]) {
    for (int p = 0; p < CFG::pixels; p++) {
#pragma HLS PIPELINE II=1
        const vec<typename CFG::in_t, CFG::c> x = in.read();
        vec<typename CFG::out_t, CFG::c> y;
        for (int ch = 0; ch < CFG::c; ch++) y.v[ch] = affine_one<CFG>(x.v[ch], mult[ch], add[ch]);
        out.write(y);
    }
}

// The affine form plus delta[k] where channel chan[k] holds accumulator acc[k] (the listed
// accumulators of one channel are distinct). CFG: as requant_affine, and patches, ch_t, a_t, d_t.
template <class CFG>
void requant_patched(hls::stream<vec<typename CFG::in_t, CFG::c> >& in,
                     hls::stream<vec<typename CFG::out_t, CFG::c> >& out,
                     const typename CFG::m_t mult[CFG::c], const typename CFG::b_t add[CFG::c],
                     const typename CFG::ch_t chan[CFG::patches],
                     const typename CFG::a_t acc[CFG::patches],
                     const typename CFG::d_t delta[CFG::patches]) {
    for (int p = 0; p < CFG::pixels; p++) {
#pragma HLS PIPELINE II=1
        const vec<typename CFG::in_t, CFG::c> x = in.read();
        vec<typename CFG::out_t, CFG::c> y;
        for (int ch = 0; ch < CFG::c; ch++) {
            typename CFG::wide_t t = affine_one<CFG>(x.v[ch], mult[ch], add[ch]);
            for (int k = 0; k < CFG::patches; k++)
                if (chan[k] == ch && x.v[ch] == acc[k]) t += delta[k];
            y.v[ch] = t;
        }
        out.write(y);
    }
}

// CFG: in_t, out_t, x_t (holds -a), thr_t, base_t (holds base + levels), b0_t; pixels, c, levels.
// Unused threshold slots hold a value no accumulator reaches.
template <class CFG>
void requant_thresholds(hls::stream<vec<typename CFG::in_t, CFG::c> >& in,
                        hls::stream<vec<typename CFG::out_t, CFG::c> >& out,
                        const typename CFG::thr_t thr[CFG::c][CFG::levels],
                        const typename CFG::b0_t base[CFG::c], const bool negate[CFG::c]) {
    for (int p = 0; p < CFG::pixels; p++) {
#pragma HLS PIPELINE II=1
        const vec<typename CFG::in_t, CFG::c> a = in.read();
        vec<typename CFG::out_t, CFG::c> y;
        for (int ch = 0; ch < CFG::c; ch++) {
            const typename CFG::x_t x = negate[ch] ? typename CFG::x_t(-a.v[ch])
                                                   : typename CFG::x_t(a.v[ch]);
            typename CFG::base_t level = base[ch];
            for (int k = 0; k < CFG::levels; k++) level += (thr[ch][k] <= x) ? 1 : 0;
            y.v[ch] = level;
        }
        out.write(y);
    }
}

}  // namespace streamcnn

#endif
