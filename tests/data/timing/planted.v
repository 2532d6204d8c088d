// Planted timing paths for tests/test_timing.py, synthesised by the real Yosys. Primitives
// are instantiated with keep so that synth_xilinx leaves the paths as written.
`default_nettype none

// One register: a start point (q) and an end point (d) inside its own block.
module t_ends (input wire clk, input wire d, output wire q);
    (* keep *) FDRE r (.C(clk), .CE(1'b1), .R(1'b0), .D(d), .Q(q));
endmodule

// One LUT from input to output: a combinational path through the block.
module t_relay (input wire a, output wire y);
    (* keep *) LUT1 #(.INIT(2'b01)) l (.I0(a), .O(y));
endmodule

// A registered enable on 37 clock enables and 5 resets (42 control loads), and a second
// net on 3 clock enables: the largest control net is en, 42.
module t_enables (input wire clk, input wire e, output wire en2);
    wire en;
    (* keep *) FDRE src (.C(clk), .CE(1'b1), .R(1'b0), .D(e), .Q(en));
    (* keep *) FDRE src2 (.C(clk), .CE(1'b1), .R(1'b0), .D(en), .Q(en2));
    genvar i;
    generate
        for (i = 0; i < 37; i = i + 1) begin : ce
            (* keep *) FDRE r (.C(clk), .CE(en), .R(1'b0), .D(e), .Q());
        end
        for (i = 0; i < 5; i = i + 1) begin : rst
            (* keep *) FDRE r (.C(clk), .CE(1'b1), .R(en), .D(e), .Q());
        end
        for (i = 0; i < 3; i = i + 1) begin : ce2
            (* keep *) FDRE r (.C(clk), .CE(en2), .R(1'b0), .D(e), .Q());
        end
    endgenerate
endmodule

module t_top (
    input  wire clk,
    input  wire a,       // -> src -> r0 -> r1 -> r2 -> dst -> q
    input  wire b,       // -> r3 -> r4 -> z: combinational from port to port
    input  wire e,       // -> en_blk: the control fan-out
    output wire q,
    output wire z,
    output wire [3:0] o,
    output wire en2      // en_blk's output, so that it is kept
);
    // Across blocks: a register in src, three relays, a register in dst.
    wire w0, w1, w2, w3;
    t_ends src (.clk(clk), .d(a), .q(w0));
    t_relay r0 (.a(w0), .y(w1));
    t_relay r1 (.a(w1), .y(w2));
    t_relay r2 (.a(w2), .y(w3));
    t_ends dst (.clk(clk), .d(w3), .q(q));
    wire w4;
    t_relay r3 (.a(b), .y(w4));
    t_relay r4 (.a(w4), .y(z));
    t_enables en_blk (.clk(clk), .e(e), .en2(en2));

    // LUT chains of 1, 3 and 6 between two registers (ends chain1.D, chain3.D, chain6.D).
    wire s;
    (* keep *) FDRE start (.C(clk), .CE(1'b1), .R(1'b0), .D(a), .Q(s));
    genvar i, n;
    generate
        for (n = 1; n <= 6; n = n + 1) begin : len
            if (n == 1 || n == 3 || n == 6) begin : chain
                wire [n:0] c;
                assign c[0] = s;
                for (i = 0; i < n; i = i + 1) begin : lut
                    (* keep *) LUT1 #(.INIT(2'b01)) l (.I0(c[i]), .O(c[i + 1]));
                end
                (* keep *) FDRE chain (.C(clk), .CE(1'b1), .R(1'b0), .D(c[n]), .Q());
            end
        end
    endgenerate

    // A carry chain of three CARRY8 (end carry.D): S[0] of the first, CO[7] -> CI, O[7] out.
    wire [7:0] co0, co1, o2;
    (* keep *) CARRY8 c0 (.CI(1'b0), .CI_TOP(1'b0), .DI(8'h00), .S({7'h7f, s}), .CO(co0), .O());
    (* keep *) CARRY8 c1 (.CI(co0[7]), .CI_TOP(1'b0), .DI(8'h00), .S(8'hff), .CO(co1), .O());
    (* keep *) CARRY8 c2 (.CI(co1[7]), .CI_TOP(1'b0), .DI(8'h00), .S(8'hff), .CO(), .O(o2));
    (* keep *) FDRE carry (.C(clk), .CE(1'b1), .R(1'b0), .D(o2[7]), .Q());

    // One LUT driving the D inputs of 40 registers (ends fan[k].r.D): fan-out 40.
    wire f;
    (* keep *) LUT1 #(.INIT(2'b01)) fl (.I0(s), .O(f));
    generate
        for (i = 0; i < 40; i = i + 1) begin : fan
            (* keep *) FDRE r (.C(clk), .CE(1'b1), .R(1'b0), .D(f), .Q());
        end
    endgenerate

    // A DSP48E2 without any register: combinational from A to P (end dsp.D).
    wire [47:0] p;
    (* keep *) DSP48E2 #(.AREG(0), .BREG(0), .CREG(0), .DREG(0), .ADREG(0), .MREG(0),
        .PREG(0), .ACASCREG(0), .BCASCREG(0), .INMODEREG(0), .OPMODEREG(0), .ALUMODEREG(0),
        .CARRYINREG(0), .CARRYINSELREG(0))
        mul (.CLK(clk), .A({29'h0, s}), .B(18'h3), .C(48'h0), .OPMODE(9'b000000101),
             .ALUMODE(4'h0), .INMODE(5'h0), .CARRYINSEL(3'h0), .P(p));
    (* keep *) FDRE dsp (.C(clk), .CE(1'b1), .R(1'b0), .D(p[0]), .Q());
    assign o = p[4:1];
endmodule
