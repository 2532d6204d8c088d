// requant: per-channel exact requantisation of C accumulators (bit-exact with
// streamcnn.requant.RequantParams.apply).
//
// Input: C accumulators of ACC_W bits (channel c at [c*ACC_W +: ACC_W]), signed
// unless IN_SIGNED = 0 (an unsigned tensor, e.g. raw pixels, requantised directly).
// Output: C values of OUT_W bits (channel c at [c*OUT_W +: OUT_W]), signed
// or unsigned per OUT_SIGNED. tlast passes through.
//
// FORM = 0, affine:  y = clip((a * MULT[c] + ADD[c]) >>> SHIFT, LO, HI)
//   MULT: C x M_W-bit signed, ADD: C x B_W-bit signed (packed, channel 0 in
//   the low bits); >>> is floor division by 2**SHIFT. The product-sum is
//   computed on P_W = max(ACC_W + M_W, B_W, OUT_W) + 1 bits, which never
//   overflows. LO/HI are integers (so OUT_W <= 31).
// FORM = 1, thresholds:  y = BASE[c] + #{k < L : THR[c][k] <= x},
//   x = NEG[c] ? -a : a on ACC_W + 1 bits (so -(-2**(ACC_W-1)) is exact).
//   THR: C x L x T_W-bit signed, threshold k of channel c at
//   [(c*L + k)*T_W +: T_W], ascending in k; unused slots (at the end) hold a
//   value no x reaches (the default, 2**(T_W-1)-1, with T_W > ACC_W). The count
//   is a binary search: log2(L) comparisons per channel, not L. BASE: C x
//   OUT_W bits in the output format. NEG: one bit per channel.
//
// Pipelines (STAGES register stages, one beat per clock), all stalled together by one
// enable (pipe_ctrl.v; inside the core it is constant and synthesis removes it):
//   FORM = 0: the product a * MULT (the DSP48E2's M register; its A input is the
//     upstream block's output register), the sum with ADD (P register), then shift and
//     clip into the output register: 3 stages, no multiplier or adder between two of them.
//   FORM = 1: the binary search, one comparison per stage: CNT_W + 2 stages
//     (x = +-a; one per bit of the count; BASE + count).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module requant #(
    parameter FREE = 0,      // 1: m_axis_tready is tied high (pipe_ctrl.v)
    parameter C          = 2,
    parameter ACC_W      = 16,
    parameter IN_SIGNED  = 1,
    parameter OUT_W      = 8,
    parameter OUT_SIGNED = 1,
    parameter FORM       = 0,
    // affine form
    parameter M_W        = 16,
    parameter B_W        = 24,
    parameter SHIFT      = 0,
    parameter integer LO = OUT_SIGNED ? -(1 << (OUT_W - 1)) : 0,
    parameter integer HI = OUT_SIGNED ? (1 << (OUT_W - 1)) - 1 : (1 << OUT_W) - 1,
    parameter [C*M_W-1:0] MULT = {C{{M_W-1{1'b0}}, 1'b1}},
    parameter [C*B_W-1:0] ADD  = {C*B_W{1'b0}},
    // threshold form
    parameter L          = 4,
    parameter T_W        = ACC_W + 1,
    parameter [C*L*T_W-1:0] THR  = {C*L{1'b0, {T_W-1{1'b1}}}},
    parameter [C*OUT_W-1:0] BASE = {C*OUT_W{1'b0}},
    parameter [C-1:0]       NEG  = {C{1'b0}}
) (
    input  wire                 clk,
    input  wire                 rst,

    input  wire [C*ACC_W-1:0]   s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,
    input  wire                 s_axis_tlast,

    output wire [C*OUT_W-1:0]   m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready,
    output wire                 m_axis_tlast
);

localparam MAX_AM = ACC_W + M_W > B_W ? ACC_W + M_W : B_W;
localparam P_W    = (MAX_AM > OUT_W ? MAX_AM : OUT_W) + 1;
localparam X_W    = ACC_W + 1;
localparam Q_W    = (X_W > T_W ? X_W : T_W) + 1;      // threshold compare width
localparam CNT_W  = $clog2(L + 1);

// LO/HI on P_W bits (P_W > OUT_W, so they fit).
localparam integer LO_I = LO;
localparam integer HI_I = HI;
localparam [P_W+31:0] LO_X = {{P_W{LO_I[31]}}, LO_I};
localparam [P_W+31:0] HI_X = {{P_W{HI_I[31]}}, HI_I};
localparam signed [P_W-1:0] LO_P = LO_X[P_W-1:0];
localparam signed [P_W-1:0] HI_P = HI_X[P_W-1:0];

// Elaboration fails (unknown module) if LO/HI cannot hold the output range.
generate
if (OUT_W > 31 || L < 1) begin : g_bad_param
    requant_out_w_above_31_or_no_thresholds bad_param ();
end
endgenerate

localparam STAGES = FORM == 0 ? 3 : CNT_W + 2;

reg [C*OUT_W-1:0] out_reg, out_next;
wire              ce_ctrl;

pipe_ctrl #(.STAGES(STAGES), .FREE(FREE)) ctrl (
    .clk(clk), .rst(rst), .s_valid(s_axis_tvalid), .s_last(s_axis_tlast), .ce(ce_ctrl),
    .m_valid(m_axis_tvalid), .m_last(m_axis_tlast), .m_ready(m_axis_tready)
);
// a constant here too where FREE: pipe_ctrl is synthesised as a module of its own
wire   ce = FREE != 0 || ce_ctrl;
assign s_axis_tready = ce;
assign m_axis_tdata  = out_reg;

// Operands are sign-extended to the working width by hand (the +1 in P_W / Q_W keeps
// every replication count >= 1).
integer c;
generate
if (FORM == 0) begin : g_affine
    reg [C*P_W-1:0] prod_reg, prod_next, sum_reg, sum_next;
    reg signed [P_W-1:0] a_p, m_p, b_p, s_p;
    reg [ACC_W-1:0] a;
    reg [M_W-1:0]   m;
    reg [B_W-1:0]   b;
    always @* begin
        {a, m, b, a_p, m_p, b_p, s_p} = 0;
        for (c = 0; c < C; c = c + 1) begin
            a = s_axis_tdata[c*ACC_W +: ACC_W];
            m = MULT[c*M_W +: M_W];
            b = ADD[c*B_W +: B_W];
            a_p = {{P_W-ACC_W{IN_SIGNED != 0 && a[ACC_W-1]}}, a};
            m_p = {{P_W-M_W{m[M_W-1]}}, m};
            b_p = {{P_W-B_W{b[B_W-1]}}, b};
            prod_next[c*P_W +: P_W] = a_p * m_p;
            sum_next[c*P_W +: P_W]  = prod_reg[c*P_W +: P_W] + b_p;
            s_p = $signed(sum_reg[c*P_W +: P_W]) >>> SHIFT;
            if (s_p < LO_P)
                s_p = LO_P;
            else if (s_p > HI_P)
                s_p = HI_P;
            out_next[c*OUT_W +: OUT_W] = s_p[OUT_W-1:0];
        end
    end
    // No reset and no enable beyond the stall: a stage's data is used only when valid.
    always @(posedge clk) begin
        if (ce) begin
            prod_reg <= prod_next;
            sum_reg  <= sum_next;
            out_reg  <= out_next;
        end
    end
end else begin : g_thresholds
    // The binary search, one step per stage: stage 0 registers x = +-a; stage s (1..CNT_W)
    // decides bit CNT_W-s of the count with one table read and one compare; the last
    // stage adds BASE. Each stage is a table mux and one carry chain.
    reg [CNT_W*C*Q_W-1:0]       xq_reg, xq_next;    // x of stage s, channel c
    reg [(CNT_W+1)*C*CNT_W-1:0] pos_reg, pos_next;  // thresholds below pos are all <= x
    reg signed [X_W-1:0] x;
    reg signed [Q_W-1:0] x_q, t_q;
    reg [CNT_W-1:0]      pos;
    // BASE + count is in [LO, HI] by construction: the carry bits are never needed.
    /* verilator lint_off UNUSEDSIGNAL */
    reg [OUT_W+CNT_W-1:0] y;
    /* verilator lint_on UNUSEDSIGNAL */
    reg [ACC_W-1:0]      a;
    reg [T_W-1:0]        t;
    integer s, k, i, pi;
    // The threshold table as a ROM: a read is one word, where a part-select of the packed
    // parameter is a C*L*T_W-bit operation in a simulator (Verilator ran 100x slower).
    reg [T_W-1:0] thr_rom [0:C*L-1];
    initial begin
        for (i = 0; i < C * L; i = i + 1)
            thr_rom[i] = THR[i*T_W +: T_W];
    end
    always @* begin
        {a, x, x_q, t, t_q, pos, y} = 0;
        xq_next = xq_reg;
        pos_next = {(CNT_W+1)*C*CNT_W{1'b0}};
        out_next = {C*OUT_W{1'b0}};
        for (c = 0; c < C; c = c + 1) begin
            a = s_axis_tdata[c*ACC_W +: ACC_W];
            x = {IN_SIGNED != 0 && a[ACC_W-1], a};
            if (NEG[c])
                x = -x;
            xq_next[c*Q_W +: Q_W] = {{Q_W-X_W{x[X_W-1]}}, x};
            for (s = 1; s <= CNT_W; s = s + 1) begin
                k = CNT_W - s;
                x_q = xq_reg[((s-1)*C + c)*Q_W +: Q_W];
                pi = {{32-CNT_W{1'b0}}, pos_reg[((s-1)*C + c)*CNT_W +: CNT_W]};
                if (s < CNT_W)
                    xq_next[(s*C + c)*Q_W +: Q_W] = x_q;
                if (pi + (1 << k) <= L) begin
                    t   = thr_rom[c*L + pi + (1 << k) - 1];
                    t_q = {{Q_W-T_W{t[T_W-1]}}, t};
                    if (t_q <= x_q)
                        pi = pi + (1 << k);
                end
                pos_next[(s*C + c)*CNT_W +: CNT_W] = pi[CNT_W-1:0];
            end
            pos = pos_reg[(CNT_W*C + c)*CNT_W +: CNT_W];
            y = {{CNT_W{1'b0}}, BASE[c*OUT_W +: OUT_W]} + {{OUT_W{1'b0}}, pos};
            out_next[c*OUT_W +: OUT_W] = y[OUT_W-1:0];   // in range by construction
        end
    end
    always @(posedge clk) begin
        if (ce) begin
            xq_reg  <= xq_next;
            pos_reg <= pos_next;
            out_reg <= out_next;
        end
    end
end
endgenerate

endmodule

`resetall
