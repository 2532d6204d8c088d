// pool: reduce an N-element window of C channels to C values (max or average).
//
// Input: one window per beat, element e (0..N-1) of channel c at
// [(e*C + c)*W +: W] -- exactly window_gen's layout with N = K*K.
// Output: one pixel per beat, channel c at [c*W +: W]. tlast passes through.
// MODE = 0: max; SIGNED selects two's-complement or unsigned comparison.
// MODE = 1: average, exact only as floor(sum / N): the sum (W + log2 N bits)
// is shifted right arithmetically (SIGNED) or logically. N must be a power
// of two. The result always fits W bits. Rounding-to-nearest averages need
// a requant stage instead.
// Combinational reduce, then one output register; ready passes through
// (s_axis_tready = !m_axis_tvalid || m_axis_tready).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module pool #(
    parameter N      = 4,
    parameter C      = 1,
    parameter W      = 8,
    parameter MODE   = 0,
    parameter SIGNED = 1
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [N*C*W-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    input  wire             s_axis_tlast,

    output wire [C*W-1:0]   m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire             m_axis_tlast
);

localparam LOG2N = N > 1 ? $clog2(N) : 0;
localparam SUM_W = W + LOG2N;

// Elaboration fails (unknown module) if an average is asked of a non-power-of-two N.
generate
if (MODE != 0 && (1 << LOG2N) != N) begin : g_bad_param
    pool_avg_needs_power_of_two_N bad_param ();
end
endgenerate

reg [C*W-1:0] out_reg;
reg           valid_reg;
reg           last_reg;
reg [C*W-1:0] result;

assign s_axis_tready = !valid_reg || m_axis_tready;
assign m_axis_tdata  = out_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

// Compare/sum on W+1 / SUM_W+1 bits whose top bit is the sign extension for
// SIGNED and 0 otherwise, so one signed datapath serves both cases.
reg signed [W:0]       best, cand;
reg signed [SUM_W:0]   sum;
reg                    ext;
integer c, e;
always @* begin
    result = {C*W{1'b0}};
    for (c = 0; c < C; c = c + 1) begin
        ext  = SIGNED != 0 && s_axis_tdata[c*W + W-1];
        best = {ext, s_axis_tdata[c*W +: W]};
        sum  = {{LOG2N+1{ext}}, s_axis_tdata[c*W +: W]};
        for (e = 1; e < N; e = e + 1) begin
            ext  = SIGNED != 0 && s_axis_tdata[(e*C + c)*W + W-1];
            cand = {ext, s_axis_tdata[(e*C + c)*W +: W]};
            if (cand > best)
                best = cand;
            sum = sum + {{LOG2N+1{ext}}, s_axis_tdata[(e*C + c)*W +: W]};
        end
        if (MODE == 0)
            result[c*W +: W] = best[W-1:0];
        else
            result[c*W +: W] = sum[LOG2N +: W];   // floor division by N = 2**LOG2N
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
