"""HLS backend: IR -> a Vitis HLS project (hls::stream dataflow of the layer library in
`hls/`), bit-exact C simulation with g++ and Xilinx's open ap_types headers, and the Vitis
HLS flow where the tool is installed."""
