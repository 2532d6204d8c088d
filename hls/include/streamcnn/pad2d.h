// Zero padding (or padding with the lowest value, for max pooling) around a pixel stream.
#ifndef STREAMCNN_PAD2D_H
#define STREAMCNN_PAD2D_H

#include "types.h"

namespace streamcnn {

// CFG: t; h, w (unpadded), c, top, bottom, left, right; fill (the padding value).
template <class CFG>
void pad2d(hls::stream<vec<typename CFG::t, CFG::c> >& in,
           hls::stream<vec<typename CFG::t, CFG::c> >& out) {
    const int hp = CFG::h + CFG::top + CFG::bottom, wp = CFG::w + CFG::left + CFG::right;
    for (int r = 0; r < hp; r++) {
        for (int c = 0; c < wp; c++) {
#pragma HLS PIPELINE II=1
            const bool inside = r >= CFG::top && r < CFG::top + CFG::h &&
                                c >= CFG::left && c < CFG::left + CFG::w;
            vec<typename CFG::t, CFG::c> px;
            if (inside) {
                px = in.read();
            } else {
                for (int ch = 0; ch < CFG::c; ch++) px.v[ch] = CFG::fill;
            }
            out.write(px);
        }
    }
}

}  // namespace streamcnn

#endif
