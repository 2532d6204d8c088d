// Dense layer: one input word (the flattened vector) -> one output word, with constant
// weights (pruned zeros cost nothing). II = reuse factor: the scheduler may share each
// multiplier over `reuse` cycles.
#ifndef STREAMCNN_DENSE_H
#define STREAMCNN_DENSE_H

#include "types.h"

namespace streamcnn {

// CFG: in_t, acc_t, w_t, b_t; nin, nout, reuse.
template <class CFG>
void dense(hls::stream<vec<typename CFG::in_t, CFG::nin> >& in,
           hls::stream<vec<typename CFG::acc_t, CFG::nout> >& out,
           const typename CFG::w_t weights[CFG::nin][CFG::nout],
           const typename CFG::b_t bias[CFG::nout]) {
#pragma HLS PIPELINE II=CFG::reuse
    const vec<typename CFG::in_t, CFG::nin> x = in.read();
    vec<typename CFG::acc_t, CFG::nout> o;
    for (int j = 0; j < CFG::nout; j++) {
        typename CFG::acc_t acc = bias[j];
        for (int i = 0; i < CFG::nin; i++) acc += x.v[i] * weights[i][j];
        o.v[j] = acc;
    }
    out.write(o);
}

}  // namespace streamcnn

#endif
