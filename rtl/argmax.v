// argmax: index of the largest of N W-bit logits (signed, or unsigned with SIGNED = 0),
// ties -> lowest index
// (numpy.argmax semantics).
//
// Input: N logits per beat, logit i at [i*W +: W]. Output: the same logits
// (m_axis_tdata) plus their argmax (m_axis_index), tlast passed through.
// A linear scan with a strict '>' keeps the first maximum. Combinational
// reduce, one output register; s_axis_tready = !m_axis_tvalid || m_axis_tready.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module argmax #(
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

reg [N*W-1:0]   data_reg;
reg [IDX_W-1:0] index_reg;
reg             valid_reg;
reg             last_reg;

assign s_axis_tready = !valid_reg || m_axis_tready;
assign m_axis_tdata  = data_reg;
assign m_axis_index  = index_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

// Each logit extended by one bit (its sign, or 0 when unsigned), then compared signed.
function signed [W:0] value(input [W-1:0] x);
    value = {SIGNED != 0 && x[W-1], x};
endfunction

reg signed [W:0] best;
reg [IDX_W-1:0]  best_idx;
integer i;
always @* begin
    best     = value(s_axis_tdata[W-1:0]);
    best_idx = {IDX_W{1'b0}};
    for (i = 1; i < N; i = i + 1) begin
        if (value(s_axis_tdata[i*W +: W]) > best) begin
            best     = value(s_axis_tdata[i*W +: W]);
            best_idx = i[IDX_W-1:0];
        end
    end
end

always @(posedge clk) begin
    if (s_axis_tvalid && s_axis_tready) begin
        data_reg  <= s_axis_tdata;
        index_reg <= best_idx;
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
