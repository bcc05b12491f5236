# A stand-in for nixpkgs, for offline-eval.nix: just what flake.nix uses, each
# function recording what it was given.
{ system, overlays ? [ ] }:
let
  base = {
    lib = {
      genAttrs = names: f: builtins.listToAttrs (map (n: { name = n; value = f n; }) names);
      licenses = { asl20 = "Apache-2.0"; mit = "MIT"; };
    };
    stdenv.hostPlatform.system = system;
    python3 = { name = "python3"; };
    nodejs = { name = "nodejs"; };
    openssl = { name = "openssl"; };
    nixpkgs-fmt = { name = "nixpkgs-fmt"; };
    mkShell = args: { inherit args; };
    makeRustPlatform = { cargo, rustc }: {
      buildRustPackage = args: {
        inherit args;
        name = "${args.pname}-${args.version}";
        outPath = "/nix/store/offline-${args.pname}";
      };
    };
  };
in
builtins.foldl' (acc: overlay: acc // overlay acc acc) base overlays
