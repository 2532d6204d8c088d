// argmax: index of the largest of N W-bit logits (signed, or unsigned with SIGNED = 0),
// ties -> lowest index
// (numpy.argmax semantics).
//
// Input: N logits per beat, logit i at [i*W +: W]. Output: the same logits
// (m_axis_tdata) plus their argmax (m_axis_index), tlast passed through.
// A tournament of pairwise compares, one level per register stage (STAGES =
// ceil(log2 N), at least 1): each stage is one carry-chain compare and a mux. In
// every pair the right one wins only if strictly larger, so ties keep the lowest
// index. All stages move on one stall enable (pipe_ctrl.v).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module argmax #(
    parameter FREE = 0,      // 1: m_axis_tready is tied high (pipe_ctrl.v)
    parameter N = 10,
    parameter W = 16,
    parameter IDX_W = N > 1 ? $clog2(N) : 1,
    parameter SIGNED = 1
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [N*W-1:0]   s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    input  wire             s_axis_tlast,

    output wire [N*W-1:0]   m_axis_tdata,
    output wire [IDX_W-1:0] m_axis_index,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire             m_axis_tlast
);

localparam LEVELS = N > 1 ? $clog2(N) : 0;
localparam STAGES = LEVELS > 0 ? LEVELS : 1;
localparam V_W = W + 1;

// Stage s holds the winners of s+1 levels (ceil(N / 2^(s+1)) of them) and the logits.
/* verilator lint_off UNUSEDSIGNAL */
reg [STAGES*N*V_W-1:0]   val_reg, val_next;     // slots past a stage's winners are unused
reg [STAGES*N*IDX_W-1:0] idx_reg, idx_next;
/* verilator lint_on UNUSEDSIGNAL */
reg [STAGES*N*W-1:0]     data_reg;
wire                     ce_ctrl;

pipe_ctrl #(.STAGES(STAGES), .FREE(FREE)) ctrl (
    .clk(clk), .rst(rst), .s_valid(s_axis_tvalid), .s_last(s_axis_tlast), .ce(ce_ctrl),
    .m_valid(m_axis_tvalid), .m_last(m_axis_tlast), .m_ready(m_axis_tready)
);
// a constant here too where FREE: pipe_ctrl is synthesised as a module of its own
wire   ce = FREE != 0 || ce_ctrl;
assign s_axis_tready = ce;
assign m_axis_tdata  = data_reg[(STAGES-1)*N*W +: N*W];
assign m_axis_index  = idx_reg[(STAGES-1)*N*IDX_W +: IDX_W];

// Each logit extended by one bit (its sign, or 0 when unsigned), then compared signed.
function signed [W:0] value(input [W-1:0] x);
    value = {SIGNED != 0 && x[W-1], x};
endfunction

reg signed [V_W-1:0] a_v, b_v;
reg [IDX_W-1:0]      a_i, b_i;
integer s, j, k;
/* verilator lint_off UNUSEDSIGNAL */
integer e;                                          // an entry's index, cut to IDX_W bits
/* verilator lint_on UNUSEDSIGNAL */
always @* begin
    val_next = {STAGES*N*V_W{1'b0}};
    idx_next = {STAGES*N*IDX_W{1'b0}};
    {a_v, b_v, a_i, b_i} = 0;
    for (s = 0; s < STAGES; s = s + 1) begin
        // ceil(N / 2^s) entries enter stage s (constant bounds: synthesis unrolls these)
        for (j = 0; j < N; j = j + 1) begin
            for (k = 0; k < 2; k = k + 1) begin
                if (2 * j + k < ((N + (1 << s) - 1) >> s)) begin
                    if (s == 0) begin
                        b_v = value(s_axis_tdata[(2*j+k)*W +: W]);
                        e   = 2 * j + k;
                        b_i = e[IDX_W-1:0];
                    end else begin
                        b_v = val_reg[((s-1)*N + 2*j+k)*V_W +: V_W];
                        b_i = idx_reg[((s-1)*N + 2*j+k)*IDX_W +: IDX_W];
                    end
                    if (k == 0 || b_v > a_v) begin
                        a_v = b_v;
                        a_i = b_i;
                    end
                end
            end
            if (2 * j < ((N + (1 << s) - 1) >> s)) begin
                val_next[(s*N + j)*V_W +: V_W] = a_v;
                idx_next[(s*N + j)*IDX_W +: IDX_W] = a_i;
            end
        end
    end
end

generate
if (STAGES == 1) begin : g_one
    always @(posedge clk)
        if (ce)
            data_reg <= s_axis_tdata;
end else begin : g_shift
    always @(posedge clk)
        if (ce)
            data_reg <= {data_reg[(STAGES-1)*N*W-1:0], s_axis_tdata};
end
endgenerate

always @(posedge clk) begin
    if (ce) begin
        val_reg <= val_next;
        idx_reg <= idx_next;
    end
end

endmodule

`resetall
