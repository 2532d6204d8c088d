// stream_collect: gather N beats of IN_W bits into one beat of N*IN_W bits
// (beat k at [k*IN_W +: IN_W]): a flattened image for a dense layer, in raster order.
//
// The output beat is sent when the N-th input beat arrives; its tlast is that beat's
// tlast. Input beats 0..N-2 of the next frame are accepted while the output waits.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module stream_collect #(
    parameter FREE = 0,      // 1: m_axis_tready is tied high (a core's free part)
    parameter N    = 4,
    parameter IN_W = 8
) (
    input  wire              clk,
    input  wire              rst,

    input  wire [IN_W-1:0]   s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,
    input  wire              s_axis_tlast,

    output wire [N*IN_W-1:0] m_axis_tdata,
    output wire              m_axis_tvalid,
    input  wire              m_axis_tready,
    output wire              m_axis_tlast
);

localparam CW = N > 1 ? $clog2(N) : 1;
localparam integer LAST_I = N - 1;
localparam [CW-1:0] LAST = LAST_I[CW-1:0];

reg [CW-1:0]     count;
reg [N*IN_W-1:0] out_reg;
reg              valid_reg;
reg              last_reg;

wire take = s_axis_tvalid && s_axis_tready;
wire [N*IN_W-1:0] shifted;

generate
if (N > 1) begin : g_shift
    // beats 0..N-2 of the current frame; the newest enters at the top
    reg [(N-1)*IN_W-1:0] shift_reg;
    assign shifted = {s_axis_tdata, shift_reg};
    always @(posedge clk) begin
        if (take) shift_reg <= shifted[N*IN_W-1:IN_W];
    end
end else begin : g_one
    assign shifted = s_axis_tdata;
end
endgenerate

wire   ready = FREE != 0 || m_axis_tready;    // constant in a free part: no enable logic
assign s_axis_tready = count != LAST || !valid_reg || ready;
assign m_axis_tdata  = out_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

always @(posedge clk) begin
    if (valid_reg && ready) valid_reg <= 1'b0;
    if (take) begin
        if (count == LAST) begin
            count     <= {CW{1'b0}};
            out_reg   <= shifted;
            last_reg  <= s_axis_tlast;
            valid_reg <= 1'b1;
        end else begin
            count <= count + 1'b1;
        end
    end
    if (rst) begin
        count     <= {CW{1'b0}};
        valid_reg <= 1'b0;
        last_reg  <= 1'b0;
    end
end

endmodule

`resetall
