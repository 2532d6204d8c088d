// Streaming 2-D convolution: one input pixel per II cycles (II = reuse factor), line buffers
// for the KH-1 previous rows, constant weights (so pruned zeros cost nothing).
#ifndef STREAMCNN_CONV2D_H
#define STREAMCNN_CONV2D_H

#include "types.h"

namespace streamcnn {

// CFG: in_t, acc_t, w_t, b_t; h, w (input), cin, cout, kh, kw, sh, sw, ho, wo, reuse.
template <class CFG>
void conv2d(hls::stream<vec<typename CFG::in_t, CFG::cin> >& in,
            hls::stream<vec<typename CFG::acc_t, CFG::cout> >& out,
            const typename CFG::w_t weights[CFG::kh][CFG::kw][CFG::cin][CFG::cout],
            const typename CFG::b_t bias[CFG::cout]) {
    typedef typename CFG::in_t in_t;
    typedef typename CFG::acc_t acc_t;
    in_t win[CFG::kh][CFG::kw][CFG::cin];
    in_t lines[CFG::kh > 1 ? CFG::kh - 1 : 1][CFG::w][CFG::cin];
#pragma HLS ARRAY_PARTITION variable=win complete dim=0
#pragma HLS ARRAY_PARTITION variable=lines complete dim=1
#pragma HLS ARRAY_PARTITION variable=lines complete dim=3
    for (int r = 0; r < CFG::h; r++) {
        for (int c = 0; c < CFG::w; c++) {
#pragma HLS PIPELINE II=CFG::reuse
            const vec<in_t, CFG::cin> px = in.read();
            window_push<in_t, CFG::cin, CFG::w, CFG::kh, CFG::kw>(win, lines, px.v, c);
            if (!window_done<CFG::kh, CFG::kw, CFG::sh, CFG::sw, CFG::ho, CFG::wo>(r, c)) continue;
            vec<acc_t, CFG::cout> o;
            for (int co = 0; co < CFG::cout; co++) {
                acc_t acc = bias[co];
                for (int i = 0; i < CFG::kh; i++)
                    for (int j = 0; j < CFG::kw; j++)
                        for (int ci = 0; ci < CFG::cin; ci++)
                            acc += win[i][j][ci] * weights[i][j][ci][co];
                o.v[co] = acc;
            }
            out.write(o);
        }
    }
}

}  // namespace streamcnn

#endif
