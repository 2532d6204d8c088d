// streamcnn_axis: AXI-Stream wrapper of the streaming network core (module `network`, from
// streamcnn or the Vitis HLS IP: same ports) for a detector-trigger data path.
//
// s_axis: one pixel per beat, C raw 8-bit values (channel c at [c*8 +: 8]); tuser[0] marks an
//   image's first pixel, tlast its last. m_axis: one beat per image, the core's result word
//   unchanged (logits, then the class index), tlast = 1, tuser[0] = the frame was malformed.
//
// The core counts pixels and has no frame markers, so one bad frame would misalign every later
// image. The wrapper counts pixels too and repairs frames so each frame gives exactly one
// result beat:
//   short (tlast before pixel PIXELS-1, or a tuser pixel mid-frame, which then starts the next
//     frame): the core gets zero pixels up to PIXELS; s_axis_tready is low meanwhile.
//   long (pixel PIXELS-1 without tlast): the extra pixels, up to and including tlast or up to
//     the next tuser pixel, are accepted and dropped, never fed to the core.
//   lost: extra pixels that reach PIXELS without a tlast or tuser pixel are read as a whole
//     frame (its tuser missing behind a frame whose tlast is missing): its pixels are gone,
//     but it still gets its own result beat, flagged, from an all-zero image padded to the
//     core (s_axis_tready low meanwhile). The drop ends if that PIXELS-th pixel has tlast,
//     else goes on the same way.
// A missing tuser on a first pixel is not an error (frames are delimited by counting), so no
// frame vanishes: each gives one result beat, and the markers decide which are flagged (a
// single frame at least 2*PIXELS long, which looks the same, gives one more per PIXELS).
// frames_short / frames_long / frames_lost count malformed frames, pixels_dropped every pixel
// not fed to the core (extra and lost ones), images_done the result beats sent (all wrap at
// 2^32; reset by rst).
//
// A frame's flag is final when its PIXELS-th pixel (or pad) enters the core; it waits in a
// FIFO (FLAG_DEPTH frames; when full, that last pixel waits). The core can finish an image
// before its last pixels arrive when they do not influence the result, so:
//   VALIDATE=1: a result is released only once its frame's flag is known, so the flag is
//     always right, at the cost of latency: the result comes 3 cycles after the frame's last
//     pixel when the core was faster (SVHN core: 1026 cycles from the first pixel, not 1001).
//   VALIDATE=0: results pass as soon as the core gives them (+1 register); a result that
//     overtakes its frame's end carries only what was known then (a long frame, or one cut
//     late, may go out unflagged). The counters stay exact either way.
// Throughput is the core's, frames back to back without bubbles. m_axis is registered;
// s_axis_tready is combinational (rst, core ready, state, and tuser only while tvalid is high:
// X on tdata/tuser/tlast of an idle bus never reaches it): put an axis_skid in front where a
// registered ready is needed. rst (synchronous, active high) also resets the core and the
// counters, at any moment; s_axis_tready is low while rst is high (no beat is taken and lost
// in reset), and the next beat after reset starts a frame.
// PIXELS must be the core's: where the core states its count (`define STREAMCNN_NETWORK_PIXELS:
// the generated network.v does, so compile it first, as files.f lists it; for the HLS IP,
// define it on the command line), a PIXELS that differs stops the simulation at time 0 with
// an error naming both counts, and fails synthesis (SYNTHESIS defined) at elaboration.
// Where the count is not defined, nothing is checked.
`resetall
`timescale 1ns / 1ps
`default_nettype none

module streamcnn_axis #(
    parameter C          = 3,
    parameter PIXELS     = 1024,
    parameter IN_W       = 24,       // core input_r_TDATA width (C*8 padded to bytes)
    parameter OUT_W      = 160,      // core output_r_TDATA width
    parameter VALIDATE   = 1,
    parameter FLAG_DEPTH = 16        // frames in flight past their end (a power of two)
) (
    input  wire             clk,
    input  wire             rst,

    input  wire [C*8-1:0]   s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,
    input  wire             s_axis_tlast,
    input  wire [0:0]       s_axis_tuser,

    output wire [OUT_W-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready,
    output wire             m_axis_tlast,
    output wire [0:0]       m_axis_tuser,

    output reg  [31:0]      images_done,
    output reg  [31:0]      frames_short,
    output reg  [31:0]      frames_long,
    output reg  [31:0]      frames_lost,
    output reg  [31:0]      pixels_dropped
);

localparam CNT_W  = PIXELS > 1 ? $clog2(PIXELS) : 1;
localparam PEND_W = $clog2(FLAG_DEPTH) + 2;     // holds FIFO capacity (DEPTH + 1)
localparam integer LAST_I = PIXELS - 1;
localparam [CNT_W-1:0] LAST = LAST_I[CNT_W-1:0];
localparam [1:0] RUN = 2'd0, PAD = 2'd1, DROP = 2'd2;

// A wrong PIXELS would misframe every image silently. Verilog-2005 (Icarus) has no
// elaboration-time $fatal, hence an initial block.
`ifdef STREAMCNN_NETWORK_PIXELS
generate
if (PIXELS != `STREAMCNN_NETWORK_PIXELS) begin : g_pixels_mismatch
`ifdef SYNTHESIS
    // synthesis has no $fatal: elaboration fails on an unknown module instead
    streamcnn_axis_pixels_differ_from_the_core bad_param ();
`else
    initial $fatal(1, "streamcnn_axis: PIXELS = %0d, but the core takes %0d pixels per image",
                   PIXELS, `STREAMCNN_NETWORK_PIXELS);
`endif
end
endgenerate
`endif

reg  [1:0]       state;
reg  [CNT_W-1:0] cnt;          // pixels of this frame the core has taken (DROP: dropped)
reg              cur_bad;      // this frame is known to be malformed
reg              early;        // VALIDATE=0: this frame's result already went out
reg              pad_drop;     // PAD of a lost frame: back to DROP after it
reg  [PEND_W-1:0] pending;     // flags queued whose results have not gone out

// ---- input side: count, pad, drop -------------------------------------------------------
wire [IN_W-1:0] core_tdata;
wire            core_tvalid, core_tready;
wire            fq_s_ready;

wire last_px  = cnt == LAST;
wire first_px = s_axis_tvalid && s_axis_tuser[0];    // tuser means nothing while tvalid is low
wire mid_user = first_px && cnt != 0;     // starts the next frame: this one is short
// The frame's last pixel pushes its flag, so it waits for room in the flag FIFO.
wire end_ok   = !last_px || fq_s_ready;

assign core_tvalid = !rst && end_ok &&
                     (state == PAD || (state == RUN && s_axis_tvalid && !mid_user));
assign s_axis_tready = !rst && (state == DROP ? !first_px
                              : state == RUN && core_tready && end_ok && !mid_user);

generate
if (IN_W > C * 8) begin : g_pad
    assign core_tdata = state == PAD ? {IN_W{1'b0}} : {{IN_W-C*8{1'b0}}, s_axis_tdata};
end else begin : g_nopad
    assign core_tdata = state == PAD ? {IN_W{1'b0}} : s_axis_tdata;
end
endgenerate

wire core_hs   = core_tvalid && core_tready;
wire frame_end = core_hs && last_px;
wire long_now  = state == RUN && !s_axis_tlast;   // at frame_end: pixel PIXELS-1 without tlast

// ---- result side -----------------------------------------------------------------------
wire [OUT_W-1:0] res_tdata;
wire             res_tvalid, res_tready;
wire             fq_m_flag, fq_m_valid, fq_m_ready;
reg  [OUT_W-1:0] out_data;
reg              out_flag, out_valid;

// VALIDATE=0 and no flag queued: the result is that of the frame still coming in.
wire res_cur   = VALIDATE == 0 && pending == 0;
wire out_free  = !out_valid || m_axis_tready;
assign res_tready = out_free && (res_cur || fq_m_valid);
wire take      = res_tvalid && res_tready;
wire early_now = take && res_cur;
assign fq_m_ready = take && !res_cur;
wire push      = frame_end && !(early || early_now);
wire push_done = push && fq_s_ready;

network core (
    .ap_clk(clk), .ap_rst_n(!rst),
    .input_r_TDATA(core_tdata), .input_r_TVALID(core_tvalid), .input_r_TREADY(core_tready),
    .output_r_TDATA(res_tdata), .output_r_TVALID(res_tvalid), .output_r_TREADY(res_tready)
);

/* verilator lint_off UNUSEDSIGNAL */
wire fq_m_last, fq_m_user;     // one-bit entries: only tdata is used
/* verilator lint_on UNUSEDSIGNAL */
axis_fifo #(
    .DEPTH(FLAG_DEPTH), .DATA_W(1), .USER_W(1), .OUTPUT_REG(0)
) flag_fifo (
    .clk(clk), .rst(rst),
    .s_axis_tdata(cur_bad || long_now), .s_axis_tvalid(push), .s_axis_tready(fq_s_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata(fq_m_flag), .m_axis_tvalid(fq_m_valid), .m_axis_tready(fq_m_ready),
    .m_axis_tlast(fq_m_last), .m_axis_tuser(fq_m_user)
);

assign m_axis_tdata  = out_data;
assign m_axis_tvalid = out_valid;
assign m_axis_tlast  = 1'b1;
assign m_axis_tuser  = out_flag;

always @(posedge clk) begin
    if (take) begin
        out_data <= res_tdata;
        out_flag <= res_cur ? cur_bad : fq_m_flag;
    end
end

always @(posedge clk) begin
    if (core_hs)
        cnt <= last_px ? {CNT_W{1'b0}} : cnt + 1'b1;
    if (early_now)
        early <= 1'b1;
    if (frame_end) begin
        cur_bad <= 1'b0;
        early   <= 1'b0;
    end
    if (push_done && !(fq_m_ready && fq_m_valid))
        pending <= pending + 1'b1;
    else if (!push_done && fq_m_ready && fq_m_valid)
        pending <= pending - 1'b1;
    if (out_free)
        out_valid <= take;
    if (m_axis_tvalid && m_axis_tready)
        images_done <= images_done + 1'b1;

    case (state)
    RUN:
        if (mid_user) begin
            state        <= PAD;
            pad_drop     <= 1'b0;
            cur_bad      <= 1'b1;
            frames_short <= frames_short + 1'b1;
        end else if (core_hs && last_px && !s_axis_tlast) begin
            state       <= DROP;
            frames_long <= frames_long + 1'b1;
        end else if (core_hs && !last_px && s_axis_tlast) begin
            state        <= PAD;
            pad_drop     <= 1'b0;
            cur_bad      <= 1'b1;
            frames_short <= frames_short + 1'b1;
        end
    PAD:
        if (frame_end)
            state <= pad_drop ? DROP : RUN;
    default:    // DROP: a tuser pixel is left for the next frame, a tlast pixel ends the drop
        if (first_px) begin
            state <= RUN;
            cnt   <= {CNT_W{1'b0}};
        end else if (s_axis_tvalid) begin
            pixels_dropped <= pixels_dropped + 1'b1;
            cnt <= last_px ? {CNT_W{1'b0}} : cnt + 1'b1;
            if (last_px) begin          // a whole frame dropped: pad one for its result
                state       <= PAD;
                pad_drop    <= !s_axis_tlast;
                cur_bad     <= 1'b1;
                frames_lost <= frames_lost + 1'b1;
            end else if (s_axis_tlast) begin
                state <= RUN;
                cnt   <= {CNT_W{1'b0}};
            end
        end
    endcase

    if (rst) begin
        state          <= RUN;
        cnt            <= {CNT_W{1'b0}};
        cur_bad        <= 1'b0;
        early          <= 1'b0;
        pad_drop       <= 1'b0;
        pending        <= {PEND_W{1'b0}};
        out_valid      <= 1'b0;
        images_done    <= 32'd0;
        frames_short   <= 32'd0;
        frames_long    <= 32'd0;
        frames_lost    <= 32'd0;
        pixels_dropped <= 32'd0;
    end
end

endmodule

`resetall
