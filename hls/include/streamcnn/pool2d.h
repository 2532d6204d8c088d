// Streaming max or sum pooling on the same line-buffer window as the convolution.
// Average pooling is a sum: its 1/area is absorbed into the output grid by the IR.
#ifndef STREAMCNN_POOL2D_H
#define STREAMCNN_POOL2D_H

#include "types.h"

namespace streamcnn {

// CFG: in_t, out_t; h, w, c, kh, kw, sh, sw, ho, wo; is_max.
template <class CFG>
void pool2d(hls::stream<vec<typename CFG::in_t, CFG::c> >& in,
            hls::stream<vec<typename CFG::out_t, CFG::c> >& out) {
    typedef typename CFG::in_t in_t;
    typedef typename CFG::out_t out_t;
    in_t win[CFG::kh][CFG::kw][CFG::c];
    in_t lines[CFG::kh > 1 ? CFG::kh - 1 : 1][CFG::w][CFG::c];
#pragma HLS ARRAY_PARTITION variable=win complete dim=0
#pragma HLS ARRAY_PARTITION variable=lines complete dim=1
#pragma HLS ARRAY_PARTITION variable=lines complete dim=3
    for (int r = 0; r < CFG::h; r++) {
        for (int c = 0; c < CFG::w; c++) {
#pragma HLS PIPELINE II=1
            const vec<in_t, CFG::c> px = in.read();
            window_push<in_t, CFG::c, CFG::w, CFG::kh, CFG::kw>(win, lines, px.v, c);
            if (!window_done<CFG::kh, CFG::kw, CFG::sh, CFG::sw, CFG::ho, CFG::wo>(r, c)) continue;
            vec<out_t, CFG::c> o;
            for (int ch = 0; ch < CFG::c; ch++) {
                out_t acc = win[0][0][ch];
                for (int i = 0; i < CFG::kh; i++)
                    for (int j = 0; j < CFG::kw; j++) {
                        if (i == 0 && j == 0) continue;
                        if (CFG::is_max) {
                            if (win[i][j][ch] > acc) acc = win[i][j][ch];
                        } else {
                            acc += win[i][j][ch];
                        }
                    }
                o.v[ch] = acc;
            }
            out.write(o);
        }
    }
}

}  // namespace streamcnn

#endif
