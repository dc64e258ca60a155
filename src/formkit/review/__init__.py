"""The review (分类评价 and 综合评议): voting sheets, the tally, the combined rating with its reasons,
overrides, and the proposal and results documents."""
