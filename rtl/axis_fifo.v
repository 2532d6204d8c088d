// axis_fifo: synchronous AXI-Stream FIFO.
//
// DEPTH (a power of two, >= 2) entries of {tuser, tlast, tdata} in a RAM with
// a registered read port, so synthesis maps it to block RAM (large) or
// distributed RAM (small). One beat per clock in and out, simultaneously.
// The read data register is the first output stage; OUTPUT_REG=1 adds a
// second one (the RAM's optional output register: better clock-to-out).
// Both stages are valid-tracked, so bubbles are never inserted. Capacity is
// DEPTH plus the output stages. s_axis_tready depends on registers only.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module axis_fifo #(
    parameter DEPTH      = 16,
    parameter DATA_W     = 8,
    parameter USER_W     = 1,
    parameter OUTPUT_REG = 0
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

localparam ADDR_W = $clog2(DEPTH);
localparam BEAT_W = DATA_W + 1 + USER_W;
localparam STAGES = OUTPUT_REG ? 2 : 1;

// Elaboration fails (unknown module) unless DEPTH is a power of two >= 2.
generate
if (DEPTH < 2 || (1 << ADDR_W) != DEPTH) begin : g_bad_param
    axis_fifo_depth_must_be_a_power_of_two bad_param ();
end
endgenerate

reg [BEAT_W-1:0] mem [0:DEPTH-1];

// One extra pointer bit tells full from empty.
reg [ADDR_W:0] wr_ptr_reg;
reg [ADDR_W:0] rd_ptr_reg;

wire empty = wr_ptr_reg == rd_ptr_reg;
wire full  = wr_ptr_reg == {~rd_ptr_reg[ADDR_W], rd_ptr_reg[ADDR_W-1:0]};

wire write = s_axis_tvalid && !full;

// Output pipeline: stage 0 is the RAM read register, stage STAGES-1 drives m_axis.
reg [BEAT_W-1:0] stage_data [0:STAGES-1];
reg [STAGES-1:0] stage_valid;
reg [STAGES-1:0] stage_load;   // stage i takes a new beat this cycle

integer i;
always @* begin
    // A stage may load when it is empty or its content moves on this cycle.
    stage_load[STAGES-1] = !stage_valid[STAGES-1] || m_axis_tready;
    for (i = STAGES - 2; i >= 0; i = i - 1)
        stage_load[i] = !stage_valid[i] || stage_load[i+1];
end

wire read = stage_load[0] && !empty;

assign s_axis_tready = !full;
assign {m_axis_tuser, m_axis_tlast, m_axis_tdata} = stage_data[STAGES-1];
assign m_axis_tvalid = stage_valid[STAGES-1];

always @(posedge clk) begin
    if (write)
        mem[wr_ptr_reg[ADDR_W-1:0]] <= {s_axis_tuser, s_axis_tlast, s_axis_tdata};
    if (read)
        stage_data[0] <= mem[rd_ptr_reg[ADDR_W-1:0]];
end

always @(posedge clk) begin
    if (write)
        wr_ptr_reg <= wr_ptr_reg + 1'b1;
    if (read)
        rd_ptr_reg <= rd_ptr_reg + 1'b1;
    if (stage_load[0])
        stage_valid[0] <= !empty;
    for (i = 1; i < STAGES; i = i + 1) begin
        if (stage_load[i]) begin
            stage_data[i]  <= stage_data[i-1];
            stage_valid[i] <= stage_valid[i-1];
        end
    end

    if (rst) begin
        wr_ptr_reg  <= {ADDR_W+1{1'b0}};
        rd_ptr_reg  <= {ADDR_W+1{1'b0}};
        stage_valid <= {STAGES{1'b0}};
    end
end

endmodule

`resetall
