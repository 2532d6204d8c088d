// pad2d: zero (or constant) padding around an image stream.
//
// Input: the IMG_H x IMG_W image in raster order, one pixel (C x W bits) per beat.
// Output: the (TOP+IMG_H+BOTTOM) x (LEFT+IMG_W+RIGHT) image, border pixels all FILL
// in every channel (max pooling pads with the type's minimum, so the border never wins).
// m_axis_tlast marks the last output pixel of each image; the input's tlast is not
// needed (the position counters know the frame) and is ignored.
// One output register; a border pixel is produced without consuming input.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module pad2d #(
    parameter IMG_H  = 4,
    parameter IMG_W  = 4,
    parameter C      = 1,
    parameter W      = 8,
    parameter TOP    = 1,
    parameter BOTTOM = 1,
    parameter LEFT   = 1,
    parameter RIGHT  = 1,
    parameter [W-1:0] FILL = {W{1'b0}}
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [C*W-1:0]   s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire             s_axis_tlast,
    /* verilator lint_on UNUSEDSIGNAL */

    output wire [C*W-1:0]   m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire             m_axis_tlast
);

localparam integer OUT_H = TOP + IMG_H + BOTTOM;
localparam integer OUT_W = LEFT + IMG_W + RIGHT;

// Signed 32-bit positions: comparisons against zero-sized borders stay non-constant.
reg signed [31:0] oy, ox;
reg [C*W-1:0] data_reg;
reg           valid_reg;
reg           last_reg;

wire in_image  = oy >= TOP && oy < TOP + IMG_H && ox >= LEFT && ox < LEFT + IMG_W;
wire load    = !valid_reg || m_axis_tready;
wire produce = load && (!in_image || s_axis_tvalid);
wire at_end  = oy == OUT_H - 1 && ox == OUT_W - 1;

assign s_axis_tready = load && in_image;
assign m_axis_tdata  = data_reg;
assign m_axis_tvalid = valid_reg;
assign m_axis_tlast  = last_reg;

always @(posedge clk) begin
    if (load) valid_reg <= produce;
    if (produce) begin
        data_reg <= in_image ? s_axis_tdata : {C{FILL}};
        last_reg <= at_end;
        if (ox == OUT_W - 1) begin
            ox <= 0;
            oy <= at_end ? 0 : oy + 1;
        end else begin
            ox <= ox + 1;
        end
    end
    if (rst) begin
        valid_reg <= 1'b0;
        last_reg  <= 1'b0;
        oy <= 0;
        ox <= 0;
    end
end

endmodule

`resetall
