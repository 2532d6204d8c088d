// pipe_ctrl: the valid and last delay line of a STAGES-deep pipeline that stalls as a whole.
//
// One enable, ce = !m_valid || m_ready, moves every stage: the datapath registers of the
// module that instantiates this one load on ce, and s_axis_tready = ce. Where a core ties
// m_ready high (its free-running part) it also sets FREE, so ce is a constant even in a
// synthesis run of this module alone (no enable net at all). Only the
// valid bits are reset; data registers never need to be.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module pipe_ctrl #(
    parameter STAGES = 1,
    parameter FREE   = 0     // 1: m_ready is tied high, so ce is constant
) (
    input  wire clk,
    input  wire rst,
    input  wire s_valid,
    input  wire s_last,
    output wire ce,
    output wire m_valid,
    output wire m_last,
    input  wire m_ready
);

reg [STAGES-1:0] valid_reg;
reg [STAGES-1:0] last_reg;

assign ce      = FREE != 0 || !valid_reg[STAGES-1] || m_ready;
assign m_valid = valid_reg[STAGES-1];
assign m_last  = last_reg[STAGES-1];

generate
if (STAGES == 1) begin : g_one
    always @(posedge clk) begin
        if (ce) begin
            valid_reg <= s_valid;
            last_reg  <= s_last;
        end
        if (rst)
            valid_reg <= 1'b0;
    end
end else begin : g_shift
    always @(posedge clk) begin
        if (ce) begin
            valid_reg <= {valid_reg[STAGES-2:0], s_valid};
            last_reg  <= {last_reg[STAGES-2:0], s_last};
        end
        if (rst)
            valid_reg <= {STAGES{1'b0}};
    end
end
endgenerate

endmodule

`resetall
