// C simulation test bench of a streamcnn network: streams images through the top function
// and compares every result with the golden model's, bit for bit.
//
//   tb_network input.bin expected.bin hashes.bin output.bin
//
// input.bin    int32, per image: pixels in raster order, channels innermost (input grid)
// expected.bin int64, per image: the logits (integers on the output grid), then the class;
//              an empty file skips the comparison
// hashes.bin   uint64, per image: one hash per tapped stage (tap.h); may be empty
// output.bin   written: int64, per image: the logits, then the class
// Exit status 1 on any mismatch (naming the first image and its first differing stage),
// 2 on bad arguments or files.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "network.h"

template <class T>
static bool load(const char* path, std::vector<T>& out) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return false;
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (bytes.size() % sizeof(T)) return false;
    out.resize(bytes.size() / sizeof(T));
    for (size_t i = 0; i < out.size(); i++) {
        T v;
        for (size_t b = 0; b < sizeof(T); b++) reinterpret_cast<char*>(&v)[b] = bytes[i * sizeof(T) + b];
        out[i] = v;
    }
    return true;
}

static const int WORD = STREAMCNN_N_LOGITS + 1;   // logits and class, per image

// One image through the network; false if the streams are not consumed and produced exactly.
static bool run_image(const int32_t* pixels, int64_t* result) {
    hls::stream<input_word_t> input("input");
    hls::stream<result_t> output("output");
    for (int p = 0; p < STREAMCNN_IN_PIXELS; p++) {
        input_word_t w;
        for (int c = 0; c < STREAMCNN_IN_C; c++) w.v[c] = pixels[p * STREAMCNN_IN_C + c];
        input.write(w);
    }
    STREAMCNN_TOP(input, output);
    if (!input.empty() || output.size() != 1) return false;
    const result_t r = output.read();
    for (int j = 0; j < STREAMCNN_N_LOGITS; j++) {
        result_cfg::acc_t v = r.logits[j].range(result_cfg::width - 1, 0);
        result[j] = v.to_int64();
    }
    result[STREAMCNN_N_LOGITS] = r.cls.to_int64();
    return true;
}

// Re-run one image with the taps on and name the first stage whose hash differs.
static void locate(const int32_t* pixels, const uint64_t* want, long image) {
    streamcnn::trace::enabled() = true;
    streamcnn::trace::hashes().clear();
    int64_t scratch[WORD];
    run_image(pixels, scratch);
    streamcnn::trace::enabled() = false;
    const std::vector<std::pair<std::string, uint64_t> >& got = streamcnn::trace::hashes();
    for (size_t k = 0; k < got.size() && k < size_t(STREAMCNN_N_TAPS); k++) {
        if (got[k].second != want[k]) {
            std::printf("image %ld: first differing layer: %s\n", image, got[k].first.c_str());
            return;
        }
    }
    std::printf("image %ld: every layer matches; the difference is in the output stage\n", image);
}

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s input.bin expected.bin hashes.bin output.bin\n", argv[0]);
        return 2;
    }
    std::vector<int32_t> input;
    std::vector<int64_t> expected;
    std::vector<uint64_t> hashes;
    const long per_image = long(STREAMCNN_IN_PIXELS) * STREAMCNN_IN_C;
    if (!load(argv[1], input) || input.size() % per_image) {
        std::fprintf(stderr, "%s: cannot read, or not a whole number of %ld-value images\n", argv[1], per_image);
        return 2;
    }
    const long n = long(input.size() / per_image);
    if (!load(argv[2], expected) || (!expected.empty() && long(expected.size()) != n * WORD)) {
        std::fprintf(stderr, "%s: cannot read, or not %ld results of %d values\n", argv[2], n, WORD);
        return 2;
    }
    if (!load(argv[3], hashes) || (!hashes.empty() && long(hashes.size()) != n * STREAMCNN_N_TAPS)) {
        std::fprintf(stderr, "%s: cannot read, or not %ld x %d hashes\n", argv[3], n, STREAMCNN_N_TAPS);
        return 2;
    }
    std::vector<int64_t> results(size_t(n) * WORD);
    long mismatched = 0, first = -1;
    for (long i = 0; i < n; i++) {
        int64_t* got = &results[size_t(i) * WORD];
        if (!run_image(&input[size_t(i * per_image)], got)) {
            std::printf("image %ld: the network did not read exactly one image or write one result\n", i);
            return 1;
        }
        if (expected.empty()) continue;
        for (int j = 0; j < WORD; j++) {
            if (got[j] != expected[size_t(i) * WORD + j]) {
                if (first < 0) {
                    first = i;
                    std::printf("image %ld: %s %d is %lld, golden model %lld\n", i,
                                j < STREAMCNN_N_LOGITS ? "logit" : "class", j,
                                (long long)got[j], (long long)expected[size_t(i) * WORD + j]);
                }
                mismatched++;
                break;
            }
        }
    }
    std::ofstream out(argv[4], std::ios::binary);
    out.write(reinterpret_cast<const char*>(results.data()), std::streamsize(results.size() * sizeof(int64_t)));
    if (!out) {
        std::fprintf(stderr, "%s: cannot write\n", argv[4]);
        return 2;
    }
    if (first >= 0 && !hashes.empty())
        locate(&input[size_t(first * per_image)], &hashes[size_t(first) * STREAMCNN_N_TAPS], first);
    std::printf("%ld images, %ld mismatched\n", n, mismatched);
    return mismatched ? 1 : 0;
}
