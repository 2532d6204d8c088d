// Stream words and shared helpers of the streamcnn layer library.
//
// Every tensor element is an integer on its fixed-point grid (value = int * 2^-frac, as in
// the IR); ap_int/ap_uint hold it, so every product and sum is exact and the generated
// hardware is the same as with ap_fixed operands.
#ifndef STREAMCNN_TYPES_H
#define STREAMCNN_TYPES_H

#include <ap_fixed.h>
#include <ap_int.h>
#include <stdint.h>
#include <hls_stream.h>

namespace streamcnn {

// One stream word: one pixel with all its channels (or one whole vector after a dense layer).
template <class T, int N>
struct vec {
    T v[N];
};

// Raster position (r, c) of the input completes window number ((r-KH+1)/SH, (c-KW+1)/SW):
// true when that window exists in the output (strides and floor-mode edges honoured).
template <int KH, int KW, int SH, int SW, int HO, int WO>
inline bool window_done(int r, int c) {
#pragma HLS INLINE
    const int wr = r - (KH - 1), wc = c - (KW - 1);
    return wr >= 0 && wc >= 0 && wr % SH == 0 && wc % SW == 0 && wr / SH < HO && wc / SW < WO;
}

// Slide a KH x KW window one column right, taking the new column from the line buffers
// (the KH-1 previous rows) and the new pixel; then store the pixel in the line buffers.
template <class T, int C, int W, int KH, int KW>
inline void window_push(T win[KH][KW][C], T lines[KH > 1 ? KH - 1 : 1][W][C], const T px[C],
                        int col) {
#pragma HLS INLINE
    for (int r = 0; r < KH; r++)
        for (int k = 0; k + 1 < KW; k++)
            for (int c = 0; c < C; c++) win[r][k][c] = win[r][k + 1][c];
    for (int r = 0; r + 1 < KH; r++)
        for (int c = 0; c < C; c++) win[r][KW - 1][c] = lines[r][col][c];
    for (int c = 0; c < C; c++) win[KH - 1][KW - 1][c] = px[c];
    for (int r = 0; r + 2 < KH; r++)
        for (int c = 0; c < C; c++) lines[r][col][c] = lines[r + 1][col][c];
    if (KH > 1)
        for (int c = 0; c < C; c++) lines[KH > 1 ? KH - 2 : 0][col][c] = px[c];
}

}  // namespace streamcnn

#endif
