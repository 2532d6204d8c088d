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
// A tree of pairwise max (or sum) operations, one level per register stage (STAGES =
// ceil(log2 N), at least 1), so each stage is one compare and mux, or one adder; an odd
// entry passes its level as a register. All stages move on one stall enable (pipe_ctrl.v).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module pool #(
    parameter FREE = 0,      // 1: m_axis_tready is tied high (pipe_ctrl.v)
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

localparam STAGES = LOG2N > 0 ? LOG2N : 1;
localparam V_W    = (MODE == 0 ? W : SUM_W) + 1;   // + a sign bit: one signed datapath

// Stage s holds ceil(N / 2^(s+1)) entries of C values, entry j of channel c at
// [((s*N + j)*C + c)*V_W +: V_W]; slots past a stage's entries are unused.
/* verilator lint_off UNUSEDSIGNAL */
reg [STAGES*N*C*V_W-1:0] val_reg, val_next;
reg signed [V_W-1:0]     a, b, r;
/* verilator lint_on UNUSEDSIGNAL */
reg [C*W-1:0]            result;
wire                     ce_ctrl;

pipe_ctrl #(.STAGES(STAGES), .FREE(FREE)) ctrl (
    .clk(clk), .rst(rst), .s_valid(s_axis_tvalid), .s_last(s_axis_tlast), .ce(ce_ctrl),
    .m_valid(m_axis_tvalid), .m_last(m_axis_tlast), .m_ready(m_axis_tready)
);
// a constant here too where FREE: pipe_ctrl is synthesised as a module of its own
wire   ce = FREE != 0 || ce_ctrl;
assign s_axis_tready = ce;
assign m_axis_tdata  = result;

// An input element extended to V_W bits: its sign, or 0 when unsigned.
function signed [V_W-1:0] value(input [W-1:0] x);
    value = {{V_W-W{SIGNED != 0 && x[W-1]}}, x};
endfunction

integer s, j, c;
always @* begin
    val_next = {STAGES*N*C*V_W{1'b0}};
    {a, b, r} = 0;
    for (s = 0; s < STAGES; s = s + 1) begin
        // ceil(N / 2^s) entries enter stage s (constant bounds: synthesis unrolls these)
        for (j = 0; j < N; j = j + 1) begin
            if (2 * j < ((N + (1 << s) - 1) >> s)) begin
                for (c = 0; c < C; c = c + 1) begin
                    if (s == 0)
                        a = value(s_axis_tdata[(2*j*C + c)*W +: W]);
                    else
                        a = val_reg[(((s-1)*N + 2*j)*C + c)*V_W +: V_W];
                    r = a;
                    if (2 * j + 1 < ((N + (1 << s) - 1) >> s)) begin
                        if (s == 0)
                            b = value(s_axis_tdata[((2*j+1)*C + c)*W +: W]);
                        else
                            b = val_reg[(((s-1)*N + 2*j+1)*C + c)*V_W +: V_W];
                        if (MODE != 0)
                            r = a + b;
                        else if (b > a)
                            r = b;
                    end
                    val_next[((s*N + j)*C + c)*V_W +: V_W] = r;
                end
            end
        end
    end
end

always @(posedge clk)
    if (ce)
        val_reg <= val_next;

// The last stage's one entry: the maximum, or the sum shifted (floor division by N = 2^LOG2N).
integer k;
always @* begin
    result = {C*W{1'b0}};
    for (k = 0; k < C; k = k + 1) begin
        if (MODE == 0)
            result[k*W +: W] = val_reg[((STAGES-1)*N*C + k)*V_W +: W];
        else
            result[k*W +: W] = val_reg[((STAGES-1)*N*C + k)*V_W + LOG2N +: W];
    end
end

endmodule

`resetall
