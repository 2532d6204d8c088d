// Flatten: gather an image's pixels into one stream word, in raster order with channels
// innermost (Keras' Flatten order), for the dense layers that follow.
#ifndef STREAMCNN_FLATTEN_H
#define STREAMCNN_FLATTEN_H

#include "types.h"

namespace streamcnn {

// CFG: t; pixels, c (values per input word), n = pixels * c.
template <class CFG>
void flatten(hls::stream<vec<typename CFG::t, CFG::c> >& in,
             hls::stream<vec<typename CFG::t, CFG::n> >& out) {
    vec<typename CFG::t, CFG::n> o;
#pragma HLS ARRAY_PARTITION variable=o.v complete
    for (int p = 0; p < CFG::pixels; p++) {
#pragma HLS PIPELINE II=1
        const vec<typename CFG::t, CFG::c> px = in.read();
        for (int c = 0; c < CFG::c; c++) o.v[p * CFG::c + c] = px.v[c];
    }
    out.write(o);
}

}  // namespace streamcnn

#endif
