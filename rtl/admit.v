// admit: the entry of a free-running pipeline, admitting an image only when its result has
// a place to go.
//
// Everything behind this block runs without backpressure (their m_axis_tready are tied
// high), so no ready signal and no clock enable spans the pipeline. Instead, the result
// FIFO at the pipeline's end has CREDITS places, and an image's first beat is admitted
// only while fewer than CREDITS images are outstanding: admitted, and their result not
// yet taken (`done`: one pulse per result word leaving the core). The rest of an image's
// BEATS beats are always admitted (its place is reserved). So the FIFO never overflows
// and nothing is lost, whatever the consumer does.
//
// s_axis_tready is a register (computed a cycle ahead from the next state, so it is
// exact, not one cycle late) and is low in reset; m_axis is registered. m_axis_tready
// is ignored: what follows never stalls. One beat per clock while credits remain.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module admit #(
    parameter W       = 8,
    parameter BEATS   = 16,      // beats per image
    parameter CREDITS = 2        // results the pipeline's end can hold
) (
    input  wire         clk,
    input  wire         rst,

    input  wire [W-1:0] s_axis_tdata,
    input  wire         s_axis_tvalid,
    output wire         s_axis_tready,

    output wire [W-1:0] m_axis_tdata,
    output wire         m_axis_tvalid,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire         m_axis_tready,       // high by construction
    /* verilator lint_on UNUSEDSIGNAL */
    output wire         m_axis_tlast,

    input  wire         done
);

localparam BW = BEATS > 1 ? $clog2(BEATS) : 1;
localparam OW = $clog2(CREDITS + 2);
localparam integer LAST_I = BEATS - 1;
localparam integer CREDITS_I = CREDITS;
localparam [BW-1:0] LAST = LAST_I[BW-1:0];
localparam [OW-1:0] FULL = CREDITS_I[OW-1:0];

// Elaboration fails (unknown module) without a beat per image or a place for a result.
generate
if (BEATS < 1 || CREDITS < 1) begin : g_bad_param
    admit_needs_beats_and_credits bad_param ();
end
endgenerate

reg [W-1:0]  data_reg;
reg          valid_reg;
reg          last_reg;
reg          ready_reg;
reg [BW-1:0] beat_reg;            // beat of the current image
reg [OW-1:0] outstanding_reg;     // images admitted whose result is not yet taken

wire accept = s_axis_tvalid && ready_reg;
wire first  = beat_reg == {BW{1'b0}};
wire [BW-1:0] beat_next = !accept ? beat_reg :
                          BEATS == 1 || beat_reg == LAST ? {BW{1'b0}} : beat_reg + 1'b1;
wire [OW-1:0] outstanding_next = outstanding_reg + {{OW-1{1'b0}}, accept && first}
                                                 - {{OW-1{1'b0}}, done};

assign s_axis_tready = ready_reg;
assign m_axis_tdata  = data_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

always @(posedge clk) begin
    data_reg        <= s_axis_tdata;
    valid_reg       <= accept;
    last_reg        <= accept && (BEATS == 1 || beat_reg == LAST);
    beat_reg        <= beat_next;
    outstanding_reg <= outstanding_next;
    ready_reg       <= beat_next != {BW{1'b0}} || outstanding_next < FULL;

    if (rst) begin
        valid_reg       <= 1'b0;
        last_reg        <= 1'b0;
        ready_reg       <= 1'b0;
        beat_reg        <= {BW{1'b0}};
        outstanding_reg <= {OW{1'b0}};
    end
end

`ifndef SYNTHESIS
// A result nobody admitted, or more outstanding than places: the credit count is wrong.
always @(posedge clk) begin
    if (!rst && done && outstanding_reg == {OW{1'b0}})
        $error("admit: a result left the core with no image outstanding");
    if (!rst && outstanding_reg > FULL)
        $error("admit: %0d images outstanding for %0d places", outstanding_reg, CREDITS);
end
`endif

endmodule

`resetall
