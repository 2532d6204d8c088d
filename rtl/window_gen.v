// window_gen: line-buffer sliding-window generator ('valid' padding).
//
// Input: one pixel per beat, C channels of W bits (channel c at [c*W +: W]),
// raster order (row by row, left to right) of an IMG_H x IMG_W image.
// Output: one K x K x C window per valid output position (oy, ox), emitted
// when the input pixel (oy*STRIDE+K-1, ox*STRIDE+K-1) that completes it is
// accepted. Element (ky, kx, c) is at bits [((ky*K + kx)*C + c)*W +: W];
// ky = 0 is the top row, kx = 0 the left column of the window.
// m_axis_tlast marks the last window of each image. Position counters wrap
// after the last pixel, so images stream back to back without gaps.
//
// Storage: the previous K-1 rows live in one RAM of IMG_W words of
// (K-1)*C*W bits (word x = column x of those rows, oldest row in the low
// slot). It is read one pixel ahead into a register (synchronous read, so
// block RAM works), and rewritten with the rows shifted up by one. The
// K x K window is a shift register that doubles as the output register.
//
// Handshake: s_axis_tready = !m_axis_tvalid || m_axis_tready (the window
// shifts on every accepted pixel, so any pixel waits while a window is held).
// One pixel per clock while the consumer is ready.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module window_gen #(
    parameter FREE = 0,      // 1: m_axis_tready is tied high (a core's free part)
    parameter IMG_H  = 8,
    parameter IMG_W  = 8,
    parameter C      = 1,
    parameter W      = 8,
    parameter K      = 3,
    parameter STRIDE = 1
) (
    input  wire                 clk,
    input  wire                 rst,

    input  wire [C*W-1:0]       s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,

    output wire [K*K*C*W-1:0]   m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready,
    output wire                 m_axis_tlast
);

localparam PIX_W = C * W;
localparam XW = IMG_W > 1 ? $clog2(IMG_W) : 1;
localparam YW = IMG_H > 1 ? $clog2(IMG_H) : 1;
localparam PW = STRIDE > 1 ? $clog2(STRIDE) : 1;

// Integer constants, then their counter-width copies (sized, for lint).
localparam integer X_LAST_I = ((IMG_W - K) / STRIDE) * STRIDE + K - 1;
localparam integer Y_LAST_I = ((IMG_H - K) / STRIDE) * STRIDE + K - 1;
localparam integer X_END_I  = IMG_W - 1;
localparam integer Y_END_I  = IMG_H - 1;
localparam integer PH_END_I = STRIDE - 1;
localparam integer K_I      = K;

localparam [XW-1:0] X_END  = X_END_I[XW-1:0];
localparam [YW-1:0] Y_END  = Y_END_I[YW-1:0];
localparam [PW-1:0] PH_END = PH_END_I[PW-1:0];
// input position completing the last window of an image
localparam [XW-1:0] X_LAST = X_LAST_I[XW-1:0];
localparam [YW-1:0] Y_LAST = Y_LAST_I[YW-1:0];
// x >= K-1 is tested as x+1 >= K (no always-true compare when K = 1)
localparam [XW:0]   X_K    = K_I[XW:0];
localparam [YW:0]   Y_K    = K_I[YW:0];

// Elaboration fails (unknown module) if the window does not fit the image.
generate
if (K < 1 || STRIDE < 1 || K > IMG_W || K > IMG_H) begin : g_bad_param
    window_gen_bad_k_stride_or_image_size bad_param ();
end
endgenerate

reg [XW-1:0] x_reg;
reg [YW-1:0] y_reg;
// (x - (K-1)) mod STRIDE once x >= K-1, else 0; same for y
reg [PW-1:0] xph_reg;
reg [PW-1:0] yph_reg;

reg [K*K*PIX_W-1:0] win_reg;
reg                 m_valid_reg;
reg                 m_last_reg;

wire accept = s_axis_tvalid && s_axis_tready;

wire   ready = FREE != 0 || m_axis_tready;    // constant in a free part: no enable logic
assign s_axis_tready = !m_valid_reg || ready;
assign m_axis_tdata  = win_reg;
assign m_axis_tvalid = m_valid_reg;
assign m_axis_tlast  = m_last_reg;

wire x_end = x_reg == X_END;
wire y_end = y_reg == Y_END;
wire [XW:0] x_inc = {1'b0, x_reg} + 1'b1;
wire [YW:0] y_inc = {1'b0, y_reg} + 1'b1;
wire [XW-1:0] x_next = x_end ? {XW{1'b0}} : x_inc[XW-1:0];

// The pixel being accepted completes a window at a valid output position.
wire win_done = x_inc >= X_K && y_inc >= Y_K &&
                xph_reg == {PW{1'b0}} && yph_reg == {PW{1'b0}};

// Column of K pixels at x: the K-1 stored rows (oldest first) and the new pixel.
wire [K*PIX_W-1:0] col;

generate
if (K > 1) begin : g_lines
    localparam LB_W = (K - 1) * PIX_W;
    reg [LB_W-1:0] lb_mem [0:IMG_W-1];
    reg [LB_W-1:0] lb_q;            // lb_mem[x_reg], read one pixel ahead

    assign col = {s_axis_tdata, lb_q};

    always @(posedge clk) begin
        if (accept) begin
            // drop the oldest row, append the new pixel
            lb_mem[x_reg] <= col[K*PIX_W-1:PIX_W];
            // with one column the next word is the one being written
            lb_q <= IMG_W == 1 ? col[K*PIX_W-1:PIX_W] : lb_mem[x_next];
        end
    end
end else begin : g_nolines
    assign col = s_axis_tdata;
end
endgenerate

// Window shift: every row moves left by one pixel, the column enters at kx = K-1.
reg [K*K*PIX_W-1:0] win_next;
integer ky, kx;
always @* begin
    for (ky = 0; ky < K; ky = ky + 1) begin
        win_next[(ky*K+K-1)*PIX_W +: PIX_W] = col[ky*PIX_W +: PIX_W];
        for (kx = 0; kx < K - 1; kx = kx + 1)
            win_next[(ky*K+kx)*PIX_W +: PIX_W] = win_reg[(ky*K+kx+1)*PIX_W +: PIX_W];
    end
end

always @(posedge clk) begin
    if (accept) begin
        win_reg     <= win_next;
        m_valid_reg <= win_done;
        m_last_reg  <= x_reg == X_LAST && y_reg == Y_LAST;
        x_reg       <= x_next;
        if (x_end) begin
            xph_reg <= {PW{1'b0}};
            y_reg   <= y_end ? {YW{1'b0}} : y_inc[YW-1:0];
            if (y_end || y_inc < Y_K || yph_reg == PH_END)
                yph_reg <= {PW{1'b0}};
            else
                yph_reg <= yph_reg + 1'b1;
        end else if (x_inc < X_K || xph_reg == PH_END) begin
            xph_reg <= {PW{1'b0}};
        end else begin
            xph_reg <= xph_reg + 1'b1;
        end
    end else if (ready) begin
        m_valid_reg <= 1'b0;
    end

    if (rst) begin
        x_reg       <= {XW{1'b0}};
        y_reg       <= {YW{1'b0}};
        xph_reg     <= {PW{1'b0}};
        yph_reg     <= {PW{1'b0}};
        m_valid_reg <= 1'b0;
        m_last_reg  <= 1'b0;
    end
end

endmodule

`resetall
