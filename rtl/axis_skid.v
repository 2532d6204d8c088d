// axis_skid: AXI-Stream register slice (skid buffer).
//
// Full throughput (one beat per clock), every output is a flop, and
// s_axis_tready is a flop too, so it cuts the combinational ready path
// between producer and consumer. Two data registers: the output register and
// the skid register, which catches the beat that arrives in the cycle after
// the consumer deasserts tready (tready seen upstream is one cycle late).
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axis_skid #(
    parameter DATA_W = 8,
    parameter USER_W = 1
) (
    input  wire              clk,
    input  wire              rst,

    input  wire [DATA_W-1:0] s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,
    input  wire              s_axis_tlast,
    input  wire [USER_W-1:0] s_axis_tuser,

    output wire [DATA_W-1:0] m_axis_tdata,
    output wire              m_axis_tvalid,
    input  wire              m_axis_tready,
    output wire              m_axis_tlast,
    output wire [USER_W-1:0] m_axis_tuser
);

localparam BEAT_W = DATA_W + 1 + USER_W;

reg [BEAT_W-1:0] out_reg;
reg              out_valid_reg;
reg [BEAT_W-1:0] skid_reg;
reg              skid_valid_reg;

wire [BEAT_W-1:0] s_beat = {s_axis_tuser, s_axis_tlast, s_axis_tdata};

// The output register may load when it is empty or being emptied this cycle.
wire out_load = !out_valid_reg || m_axis_tready;

// Ready is simply "skid register empty": a registered signal.
assign s_axis_tready = !skid_valid_reg;

assign {m_axis_tuser, m_axis_tlast, m_axis_tdata} = out_reg;
assign m_axis_tvalid = out_valid_reg;

always @(posedge clk) begin
    if (out_load) begin
        if (skid_valid_reg) begin
            // Drain the skid register first (input is stalled meanwhile).
            out_reg        <= skid_reg;
            out_valid_reg  <= 1'b1;
            skid_valid_reg <= 1'b0;
        end else begin
            out_reg        <= s_beat;
            out_valid_reg  <= s_axis_tvalid;
        end
    end else if (s_axis_tvalid && !skid_valid_reg) begin
        // Output is stalled but we promised to accept this beat: park it.
        skid_reg       <= s_beat;
        skid_valid_reg <= 1'b1;
    end

    if (rst) begin
        out_valid_reg  <= 1'b0;
        skid_valid_reg <= 1'b0;
    end
end

endmodule

`resetall
