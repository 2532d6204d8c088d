// Resource strategy (as hls4ml's dense_resource): the NIN x NOUT products of one output word
// go through BLOCK = NIN*NOUT/R multipliers over R clock cycles, instead of one multiplier
// per product. Weights are a ROM, transposed and flat: w[j*NIN + i] for output j, input i.
// At cycle r multiplier m computes product k = r + m*R. R divides NIN (checked at convert
// time), so multiplier m always feeds output j = m / (NIN/R): the accumulators need no
// multiplexer, only the inputs (an R-way mux per multiplier, input i = r + (m % (NIN/R))*R).
// Sums wrap in the accumulator type, so any order of the products gives the same result.
#ifndef STREAMCNN_RESOURCE_H
#define STREAMCNN_RESOURCE_H

#include "types.h"

namespace streamcnn {

// Element i of a flat input vector, or of a KH x KW x C window in (row, column, channel) order.
template <class T, int N>
inline T at(const T (&x)[N], int i) {
#pragma HLS INLINE
    return x[i];
}
template <class T, int A, int B, int C>
inline T at(const T (&x)[A][B][C], int i) {
#pragma HLS INLINE
    return x[i / (B * C)][(i / C) % B][i % C];
}

// One of the R cycles: BLOCK products, each added to its output's accumulator.
// CFG: acc_t, w_t; nin, nout, reuse, block (= nin * nout / reuse).
template <class CFG, class X>
inline void mac_step(int r, const X& x, typename CFG::acc_t acc[CFG::nout],
                     const typename CFG::w_t weights[CFG::nin * CFG::nout]) {
#pragma HLS INLINE
    const int per_out = CFG::nin / CFG::reuse;           // multipliers per output
    for (int m = 0; m < CFG::block; m++) {
#pragma HLS UNROLL
        acc[m / per_out] += at(x, r + (m % per_out) * CFG::reuse) * weights[r + m * CFG::reuse];
    }
}

// CFG: in_t, acc_t, w_t, b_t; nin, nout, reuse, block.
template <class CFG>
void dense_resource(hls::stream<vec<typename CFG::in_t, CFG::nin> >& in,
                    hls::stream<vec<typename CFG::acc_t, CFG::nout> >& out,
                    const typename CFG::w_t weights[CFG::nin * CFG::nout],
                    const typename CFG::b_t bias[CFG::nout]) {
    // Block reshape: ROM word r holds w[r + m*R] for every m, the R cycles' weights side by side.
#pragma HLS ARRAY_RESHAPE variable=weights block factor=CFG::block
    const vec<typename CFG::in_t, CFG::nin> x = in.read();
    vec<typename CFG::acc_t, CFG::nout> o;
#pragma HLS ARRAY_PARTITION variable=o.v complete
    for (int j = 0; j < CFG::nout; j++) {
#pragma HLS UNROLL
        o.v[j] = bias[j];
    }
    for (int r = 0; r < CFG::reuse; r++) {
        // One cycle per r: BLOCK multipliers, never more (ALLOCATION states the bound the
        // loop structure already implies, so the scheduler cannot widen it).
#pragma HLS PIPELINE II=1
#pragma HLS ALLOCATION operation instances=mul limit=CFG::block
        mac_step<CFG>(r, x.v, o.v, weights);
    }
    out.write(o);
}

// Streaming convolution, Resource strategy: one input pixel per R cycles, as the Latency
// strategy at II=R, but with BLOCK multipliers. A single loop over (pixel, r) pipelined at
// II=1: r = 0 takes the pixel in, every r does BLOCK products, r = R-1 writes a finished window.
// CFG: in_t, acc_t, w_t, b_t; h, w (input), cin, cout, kh, kw, sh, sw, ho, wo, nin, reuse, block.
template <class CFG>
void conv2d_resource(hls::stream<vec<typename CFG::in_t, CFG::cin> >& in,
                     hls::stream<vec<typename CFG::acc_t, CFG::cout> >& out,
                     const typename CFG::w_t weights[CFG::nin * CFG::cout],
                     const typename CFG::b_t bias[CFG::cout]) {
#pragma HLS ARRAY_RESHAPE variable=weights block factor=CFG::block
    typedef typename CFG::in_t in_t;
    in_t win[CFG::kh][CFG::kw][CFG::cin];
    in_t lines[CFG::kh > 1 ? CFG::kh - 1 : 1][CFG::w][CFG::cin];
#pragma HLS ARRAY_PARTITION variable=win complete dim=0
#pragma HLS ARRAY_PARTITION variable=lines complete dim=1
#pragma HLS ARRAY_PARTITION variable=lines complete dim=3
    vec<typename CFG::acc_t, CFG::cout> o;
#pragma HLS ARRAY_PARTITION variable=o.v complete
    int row = 0, col = 0, r = 0;
    for (int it = 0; it < CFG::h * CFG::w * CFG::reuse; it++) {
#pragma HLS PIPELINE II=1
#pragma HLS ALLOCATION operation instances=mul limit=CFG::block
        if (r == 0) {
            const vec<in_t, CFG::cin> px = in.read();
            window_push<in_t, CFG::cin, CFG::w, CFG::kh, CFG::kw>(win, lines, px.v, col);
            for (int j = 0; j < CFG::cout; j++) o.v[j] = bias[j];
        }
        mac_step<CFG>(r, win, o.v, weights);
        if (r < CFG::reuse - 1) {
            r++;
            continue;
        }
        r = 0;
        if (window_done<CFG::kh, CFG::kw, CFG::sh, CFG::sw, CFG::ho, CFG::wo>(row, col)) out.write(o);
        if (++col == CFG::w) {
            col = 0;
            row++;
        }
    }
}

}  // namespace streamcnn

#endif
