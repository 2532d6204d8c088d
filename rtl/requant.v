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
// Combinational datapath, one output register; s_axis_tready =
// !m_axis_tvalid || m_axis_tready.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module requant #(
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

reg [C*OUT_W-1:0] out_reg;
reg               valid_reg;
reg               last_reg;
reg [C*OUT_W-1:0] result;

assign s_axis_tready = !valid_reg || m_axis_tready;
assign m_axis_tdata  = out_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

// All operands are sign-extended to the working width by hand (the +1 in
// P_W / Q_W keeps every replication count >= 1).
reg signed [P_W-1:0] a_p, m_p, b_p, prod, shifted;
reg signed [X_W-1:0] x;
reg signed [Q_W-1:0] x_q, t_q;
reg [CNT_W-1:0]      cnt;
// BASE + count is in [LO, HI] by construction: the carry bits are never needed.
/* verilator lint_off UNUSEDSIGNAL */
reg [OUT_W+CNT_W-1:0] y;
/* verilator lint_on UNUSEDSIGNAL */
reg [ACC_W-1:0]      a;
reg                  a_sign;      // the extension bit: a's sign, or 0 when unsigned
reg [M_W-1:0]        m;
reg [B_W-1:0]        b;
reg [T_W-1:0]        t;
integer c, k, pos, i;

// The threshold table as a ROM: a read is one word, where a part-select of the packed
// parameter is a C*L*T_W-bit operation in a simulator (Verilator ran 100x slower).
reg [T_W-1:0] thr_rom [0:C*L-1];
initial begin
    for (i = 0; i < C * L; i = i + 1)
        thr_rom[i] = THR[i*T_W +: T_W];
end
always @* begin
    // Every temporary gets a value on every path, whichever FORM is elaborated: a variable
    // that only the other form assigns would otherwise be a latch to synthesis.
    result = {C*OUT_W{1'b0}};
    {a, a_sign, m, b, a_p, m_p, b_p, prod, shifted} = 0;
    {x, x_q, t, t_q, cnt, y} = 0;
    pos = 0;
    for (c = 0; c < C; c = c + 1) begin
        a = s_axis_tdata[c*ACC_W +: ACC_W];
        a_sign = IN_SIGNED != 0 && a[ACC_W-1];
        if (FORM == 0) begin
            m    = MULT[c*M_W +: M_W];
            b    = ADD[c*B_W +: B_W];
            a_p  = {{P_W-ACC_W{a_sign}}, a};
            m_p  = {{P_W-M_W{m[M_W-1]}}, m};
            b_p  = {{P_W-B_W{b[B_W-1]}}, b};
            prod = a_p * m_p + b_p;
            shifted = prod >>> SHIFT;
            if (shifted < LO_P)
                shifted = LO_P;
            else if (shifted > HI_P)
                shifted = HI_P;
            result[c*OUT_W +: OUT_W] = shifted[OUT_W-1:0];
        end else begin
            x   = {a_sign, a};
            if (NEG[c])
                x = -x;
            x_q = {{Q_W-X_W{x[X_W-1]}}, x};
            pos = 0;               // thresholds below pos are all <= x
            for (k = CNT_W - 1; k >= 0; k = k - 1) begin
                if (pos + (1 << k) <= L) begin
                    t   = thr_rom[c*L + pos + (1 << k) - 1];
                    t_q = {{Q_W-T_W{t[T_W-1]}}, t};
                    if (t_q <= x_q)
                        pos = pos + (1 << k);
                end
            end
            cnt = pos[CNT_W-1:0];
            y = {{CNT_W{1'b0}}, BASE[c*OUT_W +: OUT_W]} + {{OUT_W{1'b0}}, cnt};
            result[c*OUT_W +: OUT_W] = y[OUT_W-1:0];   // in range by construction
        end
    end
end

always @(posedge clk) begin
    if (s_axis_tvalid && s_axis_tready) begin
        out_reg   <= result;
        last_reg  <= s_axis_tlast;
        valid_reg <= 1'b1;
    end else if (m_axis_tready) begin
        valid_reg <= 1'b0;
    end

    if (rst)
        valid_reg <= 1'b0;
end

endmodule

`resetall
