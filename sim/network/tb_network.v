// tb_network: plays +images=N images from a hex file into the generated core and records
// every result word with its timing, without Python in the loop (cocotb only clocks it).
//
// Plusargs: +in=<hex file> (one pixel word per line), +out=<file>, +images=<n> (<= MAX_IMAGES),
// so one build serves every run. The output file gets one line per result:
//   <result word hex> <cycle the image's first pixel was accepted> <cycle the result was taken>
// +gaps=<pct> / +stalls=<pct> (0-99): pseudo-random TVALID gaps on the input and TREADY lows
// on the output, from a xorshift generator seeded by +seed=<n>, to exercise backpressure.
`timescale 1ns / 1ps
`default_nettype none

module tb_network #(
    parameter MAX_IMAGES = 2048,
    parameter PIXELS    = 1024,
    parameter IN_W      = 24,
    parameter OUT_W     = 64
) (
    input  wire clk  /*verilator public_flat_rw*/,
    output reg  done /*verilator public_flat_rw*/
);

reg [IN_W-1:0] pixels [0:MAX_IMAGES*PIXELS-1];
reg [8*1024-1:0] in_file, out_file;
integer        n_images, total, gap_pct, stall_pct, seed;
reg            rst_n;
integer        sent, received, cycle, fd;
integer        first_cycle [0:MAX_IMAGES-1];
reg  [31:0]    rnd;
wire [31:0]    x1 = rnd ^ (rnd << 13);     // xorshift32
wire [31:0]    x2 = x1 ^ (x1 >> 17);
wire [31:0]    rnd_next = x2 ^ (x2 << 5);

// TVALID is a register: once raised it stays up until the pixel is taken (AXI-Stream rule).
reg              in_tvalid;
wire [IN_W-1:0]  in_tdata = pixels[sent < total ? sent : total - 1];
wire             in_tready;
wire [OUT_W-1:0] out_tdata;
wire             out_tvalid;
wire             out_tready = rst_n && (rnd[23:16] % 100) >= stall_pct;

network dut (
    .ap_clk(clk), .ap_rst_n(rst_n),
    .input_r_TDATA(in_tdata), .input_r_TVALID(in_tvalid), .input_r_TREADY(in_tready),
    .output_r_TDATA(out_tdata), .output_r_TVALID(out_tvalid), .output_r_TREADY(out_tready)
);

initial begin
    if (!$value$plusargs("in=%s", in_file) || !$value$plusargs("out=%s", out_file) ||
        !$value$plusargs("images=%d", n_images) || n_images > MAX_IMAGES) begin
        $display("tb_network: needs +in=FILE +out=FILE +images=N (N <= %0d)", MAX_IMAGES);
        $finish;
    end
    if (!$value$plusargs("gaps=%d", gap_pct)) gap_pct = 0;
    if (!$value$plusargs("stalls=%d", stall_pct)) stall_pct = 0;
    if (!$value$plusargs("seed=%d", seed)) seed = 1;
    total = n_images * PIXELS;
    $readmemh(in_file, pixels, 0, total - 1);
    fd = $fopen(out_file, "w");
    sent = 0;
    received = 0;
    cycle = 0;
    in_tvalid = 1'b0;
    done = 1'b0;
    rst_n = 1'b0;
    rnd = seed;
end

always @(posedge clk) begin
    cycle <= cycle + 1;
    if (cycle == 4) rst_n <= 1'b1;
    rnd <= rnd_next;
    if (in_tvalid && in_tready) begin
        if (sent % PIXELS == 0) first_cycle[sent / PIXELS] <= cycle;
        sent <= sent + 1;
    end
    // non-blocking throughout: the core samples the same edge
    if (!in_tvalid || in_tready)
        in_tvalid <= rst_n && sent + (in_tvalid ? 1 : 0) < total && (rnd[7:0] % 100) >= gap_pct;
    if (out_tvalid && out_tready) begin
        $fwrite(fd, "%h %0d %0d\n", out_tdata, first_cycle[received], cycle);
        received <= received + 1;
        if (received + 1 == n_images) begin
            $fclose(fd);
            done <= 1'b1;
        end
    end
end

endmodule
