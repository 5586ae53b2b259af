// The `widget` sentences of hun3359/klue-bert-base-sentiment's model card, in its order.
export const EXAMPLES = [
  '오늘 밥이 너무 맛있었어. 행복해',
  '오늘 따라 저녁이 좀 맛있네.',
  '직장에서 부당한 일을 겪어서 너무 화가 나',
  '퇴직금으로 적립한 펀드 수익률이 많이 올랐어.',
  '퇴직금으로 적립한 펀드 수익률이 많이 떨어졌어.',
  '퇴직금으로 적립한 펀드 수익률이 많이 내려갔어.',
  '우연히 남자친구가 헤어진 전 여자친구를 잊지 못했다는 걸 알았어.',
];
