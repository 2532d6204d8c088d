// The network's result word: every logit as ap_fixed (its real value) and the class index
// (argmax, first maximum on ties, as numpy.argmax).
#ifndef STREAMCNN_OUTPUT_H
#define STREAMCNN_OUTPUT_H

#include "types.h"

namespace streamcnn {

template <class LOGIT_T, class CLASS_T, int N>
struct result {
    LOGIT_T logits[N];
    CLASS_T cls;
};

// CFG: acc_t (integer logits), logit_t (ap_fixed of the same width), class_t; n, width.
template <class CFG>
void argmax_output(hls::stream<vec<typename CFG::acc_t, CFG::n> >& in,
                   hls::stream<result<typename CFG::logit_t, typename CFG::class_t, CFG::n> >& out) {
#pragma HLS PIPELINE II=1
    const vec<typename CFG::acc_t, CFG::n> x = in.read();
    result<typename CFG::logit_t, typename CFG::class_t, CFG::n> r;
    typename CFG::acc_t best = x.v[0];
    r.cls = 0;
    for (int j = 0; j < CFG::n; j++) {
        r.logits[j].range(CFG::width - 1, 0) = x.v[j].range(CFG::width - 1, 0);
        if (x.v[j] > best) {
            best = x.v[j];
            r.cls = j;
        }
    }
    out.write(r);
}

}  // namespace streamcnn

#endif
