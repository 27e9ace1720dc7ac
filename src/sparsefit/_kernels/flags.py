"""Compile flags shared by the kernels."""

# Re-association lets LLVM vectorise the column dot products (the inner loop's cost); the
# other fast-math flags are left off because bounds may be infinite.
FAST = {"reassoc", "contract"}
