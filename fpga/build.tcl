# Vivado non-project build of a streamcnn design, out of context (a block of a larger trigger
# design: no I/O placement), to routed checkpoint, utilization and timing reports.
#   vivado -mode batch -source fpga/build.tcl -tclargs files=BUILD/vivado/sources.f \
#       out=BUILD/vivado [top=streamcnn_axis] [generic=C=3 ...] [ip=export.zip] [impl=0]
# files: the Verilog sources in order, one a line, relative to the list's folder (the core
#   from BUILD/rtl, or just the wrapper when ip= gives the Vitis HLS IP as the core).
# ip: the ip_catalog zip of `export_design`; its `network` module then serves the wrapper.
# impl=0 stops after synthesis. Reports and checkpoints go to out.

array set opt [list files "" out vivado top streamcnn_axis part xcvu9p-flgb2104-2l-e \
                   xdc "" ip "" core network impl 1]
set generics {}
foreach arg [expr {[info exists argv] ? $argv : ""}] {
    if {![regexp {^(\w+)=(.*)$} $arg -> key value] || \
            !([info exists opt($key)] || $key eq "generic")} {
        puts stderr "build.tcl: unknown argument $arg (known: generic= [lsort [array names opt]])"
        exit 2
    }
    if {$key eq "generic"} { lappend generics -generic $value } else { set opt($key) $value }
}

# Constraints and paths resolve beside this script or the files list, wherever Vivado runs.
set here [file normalize [file dirname [info script]]]
if {$opt(xdc) eq ""} { set opt(xdc) [file join $here constraints.xdc] }

# Every input is checked before Vivado starts working, so a typo costs seconds, not a run.
proc need {what path} {
    if {$path eq "" || ![file isfile $path]} {
        puts stderr "build.tcl: $what '$path' not found"
        exit 2
    }
}
need "files list" $opt(files)
need "constraints" $opt(xdc)
if {$opt(ip) ne ""} { need "HLS IP" $opt(ip) }
set base [file dirname [file normalize $opt(files)]]
set sources {}
set fh [open $opt(files)]
foreach line [split [read $fh] "\n"] {
    set line [string trim $line]
    if {$line eq "" || [string match "#*" $line] || [string match "//*" $line]} continue
    set path [file normalize [file join $base $line]]
    need "source" $path
    lappend sources $path
}
close $fh
if {![llength $sources]} {
    puts stderr "build.tcl: no sources in $opt(files)"
    exit 2
}
set out [file normalize $opt(out)]

if {[catch {
    file mkdir $out
    create_project -in_memory -part $opt(part)
    foreach path $sources {
        switch -glob -- $path {
            *.sv    { read_verilog -sv $path }
            *.vhd -
            *.vhdl  { read_vhdl $path }
            default { read_verilog $path }
        }
    }
    if {$opt(ip) ne ""} {
        # The IP is synthesised with the design (global synthesis), so its HLS module
        # `network` is what the wrapper instantiates; the IP's own wrapper is left unused.
        set repo [file join $out ip_repo]
        file mkdir $repo
        set_property ip_repo_paths $repo [current_project]
        update_ip_catalog -add_ip [file normalize $opt(ip)] -repo_path $repo
        create_ip -vlnv xilinx.com:hls:$opt(core):1.0 -module_name $opt(core)_ip \
            -dir [file join $out ip]
        set_property generate_synth_checkpoint false [get_files $opt(core)_ip.xci]
        generate_target all [get_ips $opt(core)_ip]
    }
    read_xdc -mode out_of_context $opt(xdc)

    synth_design -top $opt(top) -part $opt(part) -mode out_of_context \
        -flatten_hierarchy rebuilt {*}$generics
    write_checkpoint -force [file join $out post_synth.dcp]
    if {$opt(impl)} {
        opt_design
        place_design
        route_design
        write_checkpoint -force [file join $out post_route.dcp]
    }
    # rebuilt keeps each block as a hierarchy level: the per-layer report needs it.
    report_utilization -file [file join $out utilization.rpt]
    report_utilization -hierarchical -hierarchical_depth 4 \
        -file [file join $out utilization_hier.rpt]
    report_timing_summary -delay_type min_max -max_paths 10 \
        -file [file join $out timing_summary.rpt]
} err]} {
    puts stderr "build.tcl: $err"
    exit 1
}
exit 0
