// C simulation only: a hash of every value a stage wrote for one image, so a test bench can
// name the first layer that differs from the golden model. Compiled out for synthesis.
#ifndef STREAMCNN_TAP_H
#define STREAMCNN_TAP_H

#ifndef __SYNTHESIS__
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "types.h"

namespace streamcnn {

struct trace {
    static bool& enabled() {
        static bool on = false;
        return on;
    }
    static std::vector<std::pair<std::string, uint64_t> >& hashes() {
        static std::vector<std::pair<std::string, uint64_t> > h;
        return h;
    }
};

// h = sum over the stage's values v_k (raster order, channels innermost) of v_k * (k*G + 1)
// modulo 2^64; the golden model computes the same sum. C simulation runs a dataflow region
// one stage after another, so the stream holds the stage's whole image here.
template <class T, int N>
void tap(const char* name, hls::stream<vec<T, N> >& s) {
    if (!trace::enabled()) return;
    const uint64_t golden = 0x9E3779B97F4A7C15ull;
    uint64_t h = 0, k = 0;
    for (size_t i = 0, n = s.size(); i < n; i++) {
        const vec<T, N> word = s.read();
        for (int c = 0; c < N; c++, k++) h += uint64_t(word.v[c].to_int64()) * (k * golden + 1);
        s.write(word);
    }
    trace::hashes().push_back(std::make_pair(std::string(name), h));
}

}  // namespace streamcnn

#define STREAMCNN_TAP(name, s) streamcnn::tap(name, s)
#else
#define STREAMCNN_TAP(name, s)
#endif

#endif
