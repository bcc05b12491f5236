# Evaluates flake.nix's outputs without the network: nixpkgs and rust-overlay
# are stand-ins (mock-nixpkgs.nix; rust-toolchain.toml is read for real). It
# checks the flake's structure and references, not that nixpkgs builds it:
#
#   nix-instantiate --eval --strict --json nix/offline-eval.nix
let
  nixpkgs = {
    outPath = ./mock-nixpkgs.nix; # what `import nixpkgs { … }` reads
    lib = (import ./mock-nixpkgs.nix { system = "none"; }).lib;
  };
  rust-overlay.overlays.default = final: prev: {
    rust-bin.fromRustupToolchainFile = file:
      let t = (builtins.fromTOML (builtins.readFile file)).toolchain;
      in { name = "rust-${t.channel}"; inherit (t) channel targets components; };
  };
  self = (import ../flake.nix).outputs { inherit self nixpkgs rust-overlay; };
  on = system: {
    package = self.packages.${system}.default.name;
    build = self.packages.${system}.default.args.cargoBuildFlags;
    lockFound = builtins.pathExists self.packages.${system}.default.args.cargoLock.lockFile;
    app = self.apps.${system}.default.program;
    shell = map (p: p.name) self.devShells.${system}.default.args.packages;
    toolchain = builtins.head self.devShells.${system}.default.args.packages;
  };
in
{
  outputs = builtins.attrNames self;
  systems = builtins.attrNames self.packages;
  x86_64-linux = on "x86_64-linux";
}
