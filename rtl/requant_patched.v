// requant_patched: the affine form of requant, corrected at a few listed accumulator
// values (bit-exact with streamcnn.requant.RequantParams.apply when it has patches).
//
// A float32 BatchNorm in front of an 8-bit quantiser moves single thresholds by one
// accumulator step, which no integer M, B, S reproduces. The alternative, a table of
// 255 thresholds per channel, is a deep comparison chain; here it is an affine
// requant (FORM = 0, parameters as in requant.v) plus one equality compare per patch:
//
//   y[c] = clip((a[c] * MULT[c] + ADD[c]) >>> SHIFT, LO, HI) + P_D[k]
//          for the patch k with P_CH[k] = c and P_ACC[k] = a[c], if there is one.
//
// N patches: P_CH (N x CH_W, unsigned channel), P_ACC (N x ACC_W, the accumulator as
// the input carries it), P_D (N x D_W signed). A channel's patched accumulators are
// distinct; y stays in [LO, HI] by construction, so the sum is taken modulo 2**OUT_W.
//
// Four register stages: the affine requant's three (the patch deltas beside them), then
// the sum.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module requant_patched #(
    parameter FREE = 0,      // 1: m_axis_tready is tied high (a core's free part)
    parameter C          = 2,
    parameter ACC_W      = 16,
    parameter IN_SIGNED  = 1,
    parameter OUT_W      = 8,
    parameter OUT_SIGNED = 1,
    parameter M_W        = 16,
    parameter B_W        = 24,
    parameter SHIFT      = 0,
    parameter integer LO = OUT_SIGNED ? -(1 << (OUT_W - 1)) : 0,
    parameter integer HI = OUT_SIGNED ? (1 << (OUT_W - 1)) - 1 : (1 << OUT_W) - 1,
    parameter [C*M_W-1:0] MULT = {C{{M_W-1{1'b0}}, 1'b1}},
    parameter [C*B_W-1:0] ADD  = {C*B_W{1'b0}},
    parameter N          = 1,
    parameter CH_W       = 1,
    parameter D_W        = 2,
    parameter [N*CH_W-1:0]  P_CH  = {N*CH_W{1'b0}},
    parameter [N*ACC_W-1:0] P_ACC = {N*ACC_W{1'b0}},
    parameter [N*D_W-1:0]   P_D   = {N*D_W{1'b0}}
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

localparam S_W = OUT_W + D_W;       // the sum before it is cut back to OUT_W bits

wire [C*OUT_W-1:0] aff_tdata;
wire               aff_tvalid, aff_tready, aff_tlast;

requant #(
    .C(C), .ACC_W(ACC_W), .IN_SIGNED(IN_SIGNED), .OUT_W(OUT_W), .OUT_SIGNED(OUT_SIGNED),
    .FREE(FREE), .FORM(0), .M_W(M_W), .B_W(B_W), .SHIFT(SHIFT), .LO(LO), .HI(HI), .MULT(MULT), .ADD(ADD)
) affine (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid),
    .s_axis_tready(s_axis_tready), .s_axis_tlast(s_axis_tlast),
    .m_axis_tdata(aff_tdata), .m_axis_tvalid(aff_tvalid),
    .m_axis_tready(aff_tready), .m_axis_tlast(aff_tlast)
);

// Each channel's delta, from the input.
reg [C*D_W-1:0] delta, delta_reg;
reg [CH_W-1:0]  ch;
integer k;
always @* begin
    delta = {C*D_W{1'b0}};
    ch = {CH_W{1'b0}};
    for (k = 0; k < N; k = k + 1) begin
        ch = P_CH[k*CH_W +: CH_W];
        if (s_axis_tdata[ch*ACC_W +: ACC_W] == P_ACC[k*ACC_W +: ACC_W])
            delta[ch*D_W +: D_W] = P_D[k*D_W +: D_W];
    end
end

// The deltas travel beside the affine pipeline (requant.v: 3 stages for FORM = 0), moving
// when it moves: its s_axis_tready is its stage enable (a constant where FREE, also in this
// module's own synthesis run, in which requant is a black box).
localparam AFF_STAGES = 3;
reg [C*D_W-1:0] delta_pipe [0:AFF_STAGES-1];
wire aff_ce = FREE != 0 || s_axis_tready;
integer s;
always @(posedge clk) begin
    if (aff_ce) begin
        delta_pipe[0] <= delta;
        for (s = 1; s < AFF_STAGES; s = s + 1)
            delta_pipe[s] <= delta_pipe[s-1];
    end
end
always @* delta_reg = delta_pipe[AFF_STAGES-1];

// The last stage: the sum, registered.
reg [C*OUT_W-1:0] out_reg, result;
reg               valid_reg, last_reg;
reg [D_W-1:0]     d;
/* verilator lint_off UNUSEDSIGNAL */
reg [S_W-1:0]     sum;      // the top D_W bits are never needed (in range by construction)
/* verilator lint_on UNUSEDSIGNAL */
integer c;
always @* begin
    {d, sum} = 0;
    for (c = 0; c < C; c = c + 1) begin
        d = delta_reg[c*D_W +: D_W];
        sum = {{D_W{1'b0}}, aff_tdata[c*OUT_W +: OUT_W]} + {{OUT_W{d[D_W-1]}}, d};
        result[c*OUT_W +: OUT_W] = sum[OUT_W-1:0];
    end
end

wire   ready         = FREE != 0 || m_axis_tready;   // constant in a free part
assign aff_tready    = !valid_reg || ready;
assign m_axis_tdata  = out_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

always @(posedge clk) begin
    if (aff_tvalid && aff_tready) begin
        out_reg   <= result;
        last_reg  <= aff_tlast;
        valid_reg <= 1'b1;
    end else if (ready) begin
        valid_reg <= 1'b0;
    end

    if (rst)
        valid_reg <= 1'b0;
end

endmodule

`resetall
